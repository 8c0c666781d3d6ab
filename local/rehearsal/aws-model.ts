/**
 * The rehearsal's AWS latency model: how long the services take, as published figures say, or, where AWS publishes
 * none, a stated assumption (each range errs on the slow side). Each figure names its source; docs/performance.md lists them. With the model on,
 * the stand-ins delay every call by a draw from its range, so a path that is fast only on loopback is found here.
 */
export interface Range {
  /** Milliseconds, drawn uniformly between low and high. */
  low: number;
  high: number;
  source: string;
}

export const AWS_FIGURES = {
  stateTransitionMs: {
    low: 20,
    high: 80,
    source:
      "Assumed: AWS publishes no per-transition latency for Standard workflows; tens of milliseconds is our " +
      "estimate, to be replaced by a measurement on a deployed stack.",
  },
  waitLateMs: {
    low: 0,
    high: 1_000,
    source:
      "Step Functions developer guide, 'Wait workflow state': a Timestamp is considered up to seconds, milliseconds " +
      "truncated; the wake-up itself is not bounded by any published figure, and is taken to come up to a second " +
      "late (applied to the state after each Wait).",
  },
  lambdaWarmInvokeMs: {
    low: 10,
    high: 30,
    source:
      "Assumed: the Invoke API's own overhead on a warm execution environment has no published figure; this is " +
      "our estimate.",
  },
  lambdaColdStartMs: {
    low: 100,
    high: 1_000,
    source:
      "AWS Compute Blog, 'Operating Lambda: Performance optimization - Part 1': a cold start varies from under 100 " +
      "ms to over 1 second. Added on top of the rehearsal's real cold start (a fresh process loading the bundle).",
  },
  lambdaIdleExpiryMs: {
    low: 5 * 60_000,
    high: 5 * 60_000,
    source:
      "Assumed: Lambda does not document how long an idle execution environment is kept; 5 minutes errs on the " +
      "side of more cold starts.",
  },
  dynamoDbMs: {
    low: 3,
    high: 10,
    source: "Amazon DynamoDB product page: 'single-digit millisecond performance at any scale'.",
  },
  eventBridgePutMs: {
    low: 20,
    high: 60,
    source: "Assumed: PutEvents has no published latency figure; this is our estimate.",
  },
  siteOneWayMs: {
    low: 40,
    high: 40,
    source:
      "Issue 17: a round trip of about 80 ms from an AWS region to a CPS Golf site (hosted by Club Prophet); " +
      "the simulator answers each request 40 ms late and its answer travels 40 ms back.",
  },
} as const satisfies Record<string, Range>;

export type AwsFigure = keyof typeof AWS_FIGURES;

/** Draws delays from the figures; `random` is injectable for a repeatable run. */
export class AwsLatencyModel {
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  ms(figure: AwsFigure): number {
    const { low, high } = AWS_FIGURES[figure];
    return Math.round(low + (high - low) * this.#random());
  }

  /** Waits for a draw of `figure`. */
  delay(figure: AwsFigure): Promise<void> {
    const ms = this.ms(figure);
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
