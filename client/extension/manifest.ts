import { TOOL_DEFINITIONS } from "../../functions/tools/manifest.ts";
import { DEFAULTS } from "../config.ts";
import { BRIDGE_VERSION } from "../version.ts";

/** Where the bundled bridge sits inside the extension. */
export const ENTRY_POINT = "server/index.mjs";

/** The Node the bundled bridge needs: it is plain JavaScript (no type stripping) and uses nothing newer than 20. */
export const NODE_RANGE = ">=20.0.0";

/**
 * The privacy policies of the services the tools reach. CPS Golf sites are run by each course, with the course's
 * own policy on its booking site, so there is no one address to give for them (docs/claude-desktop.md says so).
 */
export const PRIVACY_POLICIES = [
  "https://www.weather.gov/privacy",
  "https://open-meteo.com/en/terms",
  "https://docs.ntfy.sh/privacy",
];

/** Claude Desktop's placeholder for a user_config value, filled in when it starts the server. */
const setting = (key: string) => `\${user_config.${key}}`;

/**
 * The MCP Bundle manifest (manifest_version 0.3, the one Claude Desktop reads): the bridge run by the Node that
 * ships with Claude Desktop, its settings asked for in a form, the API key kept in the OS keychain (`sensitive`).
 */
export function extensionManifest() {
  return {
    manifest_version: "0.3",
    name: "rez-agent-mcp",
    display_name: "rez-agent-mcp: tee times, weather and pushes",
    version: BRIDGE_VERSION,
    description:
      "Search and book golf tee times on CPS Golf course sites, get the weather, send a push notification: each call a durable workflow on your rez-agent-mcp server.",
    long_description:
      "Connects Claude Desktop to a rez-agent-mcp server: the local one (`npm start` on this machine) or one deployed to AWS. " +
      "Every tool call runs as a durable workflow on that server, so a slow booking is never lost: a call still " +
      "running after the answer deadline answers with its request id, and get_request_status, list_requests and " +
      "cancel_request follow it. The extension itself keeps no data; it forwards to the endpoint you give, with your API key.",
    author: { name: "rez-agent-mcp" },
    icon: "icon.png",
    server: {
      type: "node",
      entry_point: ENTRY_POINT,
      mcp_config: {
        command: "node",
        args: [`\${__dirname}/${ENTRY_POINT}`],
        env: {
          REZ_AGENT_MCP_ENDPOINT: setting("endpoint"),
          REZ_AGENT_MCP_API_KEY: setting("api_key"),
          REZ_AGENT_MCP_ANSWER_DEADLINE: setting("answer_deadline"),
        },
      },
    },
    tools: TOOL_DEFINITIONS.map((tool) => ({ name: tool.name, description: tool.description })),
    keywords: ["golf", "tee times", "weather", "push notifications", "step functions"],
    license: "MIT",
    privacy_policies: PRIVACY_POLICIES,
    compatibility: {
      platforms: ["darwin", "win32", "linux"],
      runtimes: { node: NODE_RANGE },
    },
    user_config: {
      endpoint: {
        type: "string",
        title: "Server endpoint",
        description:
          "The rez-agent-mcp server's MCP URL: http://127.0.0.1:3000/mcp for the local server, or your deployed stack's https URL ending in /mcp.",
        default: "http://127.0.0.1:3000/mcp",
        required: true,
      },
      api_key: {
        type: "string",
        title: "API key",
        description: "The key npm start printed (rez_...), or your deployed stack's API key.",
        sensitive: true,
        required: true,
      },
      answer_deadline: {
        type: "number",
        title: "Answer deadline (seconds)",
        description:
          "How long a call waits for its result before answering that it is still running, with its request id.",
        default: DEFAULTS.answerDeadlineSeconds,
        min: 1,
        max: 600,
        required: false,
      },
    },
  };
}
