import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

/** The CloudWatch namespace of every metric the functions publish. */
export const METRICS_NAMESPACE = "rez-agent-mcp";

export interface Observability {
  tracer: Tracer;
  metrics: Metrics;
}

/**
 * Powertools Tracer (X-Ray: AWS SDK clients and outgoing HTTP) and Metrics (CloudWatch EMF) for one function, built
 * once per container. Both do nothing outside Lambda.
 */
export function observability(serviceName: string): Observability {
  return {
    tracer: new Tracer({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/** Records one count metric. */
export function count(metrics: Pick<Metrics, "addMetric">, name: string): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}

/** Publishes what an invocation recorded, however it ended. */
export function publishingMetrics<Args extends unknown[], Result>(
  metrics: Pick<Metrics, "publishStoredMetrics">,
  run: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await run(...args);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
