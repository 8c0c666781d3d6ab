import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { Pace, SharedPace } from "../tools/site-pacer.ts";

/** How far ahead a request may book its slot; past it, it waits and asks again (bounds the shared queue). */
const MOST_AHEAD_MS = 30_000;
/** The item of a site's pace, in a table keyed by `id` (the idempotency table: one item per site, no expiry). */
const itemId = (site: string) => `site-pace#${site}`;

/**
 * One site's pace shared by every function instance, in one DynamoDB item per site: the generic cell rate
 * algorithm's theoretical arrival time, moved by atomic conditional updates (no read, no lock). A request takes the
 * next slot: at once while the site is idle or within the burst, else it sleeps until its slot. On AWS, many races
 * for one release run in as many instances; each paces itself (SitePacer) and all of them together pace here.
 */
export class DynamoSitePace implements SharedPace {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #now: () => number;

  constructor(client: DynamoDBClient, table: string, pace: Pace, now: () => number = Date.now) {
    this.#client = client;
    this.#table = table;
    this.#interval = 1_000 / pace.perSecond;
    this.#tolerance = (Math.max(1, pace.burst) - 1) * this.#interval;
    this.#now = now;
  }

  async take(site: string): Promise<void> {
    const [leaveAt = 0] = await this.reserve(site, this.#now(), 1);
    const wait = leaveAt - this.#now();
    if (wait > 0) await sleep(wait);
  }

  /**
   * Books `count` slots from `at` on (the next ones free, if the site is busy then), and says when each may leave:
   * a race books the release's slots a few seconds ahead, so its requests at the release wait for nothing here.
   */
  async reserve(site: string, at: number, count: number): Promise<number[]> {
    const span = count * this.#interval;
    const leaving = (first: number) =>
      Array.from({ length: count }, (_, i) => Math.max(at, first + i * this.#interval - this.#tolerance));
    for (;;) {
      // The site idle at `at` (no slot booked past it): the slots start there.
      const idle = await this.#update(site, {
        UpdateExpression: "SET #next = :later",
        ConditionExpression: "attribute_not_exists(#next) OR #next < :at",
        ExpressionAttributeValues: { ":at": number(at), ":later": number(at + span) },
      });
      if (idle) return leaving(at);
      // Busy: the slots after the last one booked, unless they are too far ahead.
      const busy = await this.#update(site, {
        UpdateExpression: "SET #next = #next + :span",
        ConditionExpression: "#next >= :at AND #next <= :mostAhead",
        ExpressionAttributeValues: {
          ":at": number(at),
          ":mostAhead": number(at + MOST_AHEAD_MS),
          ":span": number(span),
        },
        ReturnValues: "UPDATED_OLD",
      });
      if (busy) return leaving(Number(busy.next?.N ?? at));
      // Either the queue is full or the site went idle between the two updates: ask again shortly.
      await sleep(Math.min(1_000, this.#interval));
      at = Math.max(at, this.#now());
    }
  }

  /** One conditional update of the site's item; its old attributes (or `{}`), or undefined when the condition fails. */
  async #update(
    site: string,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, { N: string }>;
      ReturnValues?: "UPDATED_OLD";
    },
  ): Promise<Record<string, { N?: string }> | undefined> {
    try {
      const answer = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { id: { S: itemId(site) } },
          ExpressionAttributeNames: { "#next": "next" },
          ...input,
        }),
      );
      return (answer.Attributes as Record<string, { N?: string }> | undefined) ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return undefined;
      throw error;
    }
  }
}

const number = (value: number) => ({ N: String(Math.round(value)) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
