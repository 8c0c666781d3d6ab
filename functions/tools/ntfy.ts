import { isRetriedFailure, NotConfigured, OutcomeUnknown } from "../core/errors.ts";
import { actingGolfer, DEFAULT_GOLFER } from "../core/golfers.ts";
import type { Secrets } from "../core/ports.ts";
import type { UpstreamClient } from "./upstream.ts";

export interface NtfyConfig {
  /** The ntfy server, https://ntfy.sh unless self-hosted. */
  baseUrl: string;
  /** The owner's topic. Configuration, never a tool argument, so a model cannot post to any topic. */
  topic?: string;
}

export interface NtfyDeps {
  config: NtfyConfig;
  secrets: Pick<Secrets, "ntfyToken" | "ntfyTopic">;
  http: UpstreamClient;
  /** Whose phone (golfers.ts). Unset: the default golfer's. */
  golfer?: string;
}

/**
 * The golfer's topic: its own, and for the default golfer the server's. A named golfer without a topic of its own
 * gets no push: another golfer's phone must never hear of its bookings.
 */
async function topicOf(deps: NtfyDeps, golfer: string): Promise<string | undefined> {
  const own = await deps.secrets.ntfyTopic(golfer);
  if (own || golfer !== DEFAULT_GOLFER) return own;
  return deps.config.topic;
}

export const PRIORITIES = { min: 1, low: 2, default: 3, high: 4, urgent: 5 } as const;
export type PriorityName = keyof typeof PRIORITIES;

export interface PushMessage {
  title: string;
  message: string;
  priority?: PriorityName;
  tags?: string[];
  click?: string;
}

export interface Published {
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  /** The topic, masked: it works like a password on a public ntfy server. */
  topic: string;
}

/** Answers after which ntfy surely did not deliver: rate limited, or unavailable before it did anything. */
const NOT_DELIVERED_STATUSES = new Set([429, 503]);

/**
 * A send may be retried only when it surely did not reach a phone (no connection, 429, 503). Any other failure
 * after the request left (a timeout, a dropped connection, another 5xx) may have delivered it: retrying could
 * notify twice, so it becomes OutcomeUnknown, which nothing retries.
 */
function unlessSurelyUndelivered(error: unknown): unknown {
  if (!isRetriedFailure(error)) return error;
  const { delivered, upstreamStatus } = error.details;
  if (upstreamStatus !== undefined ? NOT_DELIVERED_STATUSES.has(upstreamStatus) : delivered === "no")
    return error;
  return new OutcomeUnknown(
    `${error.message.replace(/ Try again later\.$/, "")} It may or may not have been sent. Check your phone before sending it again.`,
    error.details,
  );
}

/** "golf-alerts-7f3k" → "go…3k": enough to recognise, not enough to post to. */
export function maskTopic(topic: string): string {
  if (topic.length <= 6) return "•".repeat(topic.length);
  return `${topic.slice(0, 2)}…${topic.slice(-2)}`;
}

/**
 * Publishes one message with ntfy's JSON API (`POST <base>/`): the body is JSON, so nothing in a title or message
 * can become a header. The priority name becomes ntfy's number.
 */
export async function publishToNtfy(push: PushMessage, deps: NtfyDeps): Promise<Published> {
  const golfer = actingGolfer(deps.golfer);
  const topic = await topicOf(deps, golfer);
  if (!topic) {
    throw new NotConfigured(
      golfer === DEFAULT_GOLFER
        ? "Push notifications are not set up on this server: it has no ntfy topic (setting NTFY_TOPIC)."
        : `Push notifications are not set up for golfer ${golfer}: its secrets name no ntfy topic (docs/golfers.md).`,
    );
  }
  const token = await deps.secrets.ntfyToken(golfer);
  const body: Record<string, unknown> = {
    topic,
    title: push.title,
    message: push.message,
    priority: PRIORITIES[push.priority ?? "default"],
  };
  if (push.tags?.length) body.tags = push.tags;
  if (push.click) body.click = push.click;
  let answer: unknown;
  try {
    ({ body: answer } = await deps.http.request({
      label: "The ntfy server",
      upstream: "ntfy",
      url: new URL("/", deps.config.baseUrl).href,
      json: body,
      // The topic works like a password on a public ntfy server: ntfy must not be quoted with it.
      secrets: [topic],
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    }));
  } catch (error) {
    throw unlessSurelyUndelivered(error);
  }
  const sent = answer as { id?: unknown; time?: unknown } | null;
  if (typeof sent?.id !== "string" || typeof sent.time !== "number") {
    // ntfy said yes in a way we cannot read: it may well have delivered.
    throw new OutcomeUnknown(
      "The ntfy server accepted the notification but answered with malformed data, so it may or may not have been sent. Check your phone before sending it again.",
      { upstream: "ntfy" },
    );
  }
  return { id: sent.id, time: new Date(sent.time * 1000).toISOString(), topic: maskTopic(topic) };
}
