import { functionPlaceholder, TOOL_FUNCTIONS } from "../functions/tools/manifest.ts";

/** Names and ARNs of the local stand-ins for the stack's resources. */

export const LOCAL_REQUEST_TABLE = "rez-agent-mcp-local-requests";
export const LOCAL_IDEMPOTENCY_TABLE = "rez-agent-mcp-local-idempotency";
export const LOCAL_EVENT_BUS = "rez-agent-mcp-local";

export const localFunctionArn = (name: string) =>
  `arn:aws:lambda:local:000000000000:function:rez-agent-mcp-${name}`;

/** The values of every `${Placeholder}` in the ASL files, locally (the CDK stack's definitionSubstitutions on AWS). */
export const LOCAL_SUBSTITUTIONS: Record<string, string> = {
  ...Object.fromEntries(
    TOOL_FUNCTIONS.map(({ entry }) => [functionPlaceholder(entry), localFunctionArn(entry)]),
  ),
  RequestTableName: LOCAL_REQUEST_TABLE,
  EventBusName: LOCAL_EVENT_BUS,
};
