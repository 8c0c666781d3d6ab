import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { ToolCallEvent } from "../core/events.ts";
import type { EventPublisher } from "../core/ports.ts";

/** The EventBridge SDK module and a client, loaded on first use (most front invocations publish nothing). */
export interface EventBridgeConnection {
  sdk: Pick<typeof import("@aws-sdk/client-eventbridge"), "PutEventsCommand">;
  client: Pick<EventBridgeClient, "send">;
}

/** Publishes Tool Call events on the project's bus (the front's cancellations, the reconciler's failures). */
export class EventBridgePublisher implements EventPublisher {
  readonly #busName: string;
  readonly #connect: () => Promise<EventBridgeConnection>;
  #connection: Promise<EventBridgeConnection> | undefined;

  constructor(busName: string, connect: () => Promise<EventBridgeConnection>) {
    this.#busName = busName;
    this.#connect = connect;
  }

  async publish(event: ToolCallEvent): Promise<void> {
    this.#connection ??= this.#connect().catch((error) => {
      this.#connection = undefined;
      throw error;
    });
    const { sdk, client } = await this.#connection;
    const answer = await client.send(
      new sdk.PutEventsCommand({
        Entries: [
          {
            EventBusName: this.#busName,
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          },
        ],
      }),
    );
    if (answer.FailedEntryCount) {
      const entry = answer.Entries?.[0];
      throw new Error(
        `EventBridge refused the event: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`,
      );
    }
  }
}
