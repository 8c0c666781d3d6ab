import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { ToolCallEvent } from "../core/events.ts";
import type { EventPublisher } from "../core/ports.ts";

/** Publishes Tool Call events on the project's bus (the front's cancellations, the reconciler's failures). */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: Pick<EventBridgeClient, "send">;
  readonly #busName: string;

  constructor(client: Pick<EventBridgeClient, "send">, busName: string) {
    this.#client = client;
    this.#busName = busName;
  }

  async publish(event: ToolCallEvent): Promise<void> {
    const answer = await this.#client.send(
      new PutEventsCommand({
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
