import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import type { StageConfig } from "./config.ts";
import type { RezFunction } from "./function.ts";

/**
 * What an operator is told of, by email through one SNS topic: executions that failed (business failures end
 * green), timed out or were throttled, 5xx answers, dead letters, throttled functions, and the front, reconciler or
 * sweeper throwing.
 */
export function stackAlarms(
  scope: Construct,
  config: StageConfig,
  watched: {
    machines: readonly (readonly [string, StateMachine])[];
    api: RestApi;
    deadLetters: Queue;
    functions: Record<string, RezFunction>;
  },
): void {
  const alarmTopic = new Topic(scope, "Alarms", { enforceSSL: true });
  if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
  const alarm = (name: string, metric: IMetric, description: string) => {
    const created = new Alarm(scope, name, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(new SnsAction(alarmTopic));
    return created;
  };
  const fiveMinutes = { period: Duration.minutes(5), statistic: "Sum" };
  for (const [label, machine] of watched.machines) {
    alarm(
      `${label}ExecutionsFailedAlarm`,
      machine.metricFailed(fiveMinutes),
      `${label || "Standard"} tool-call executions failed: a tool crashed, an upstream stayed down through the retries, a booking ended without an answer, or the request table could not be written. Ordinary failures (a taken tee time, an unknown place) end green and do not count.`,
    );
    alarm(
      `${label}ExecutionsTimedOutAlarm`,
      machine.metricTimedOut(fiveMinutes),
      `${label || "Standard"} tool-call executions ran past their time limit`,
    );
    alarm(
      `${label}ExecutionsThrottledAlarm`,
      machine.metricThrottled(fiveMinutes),
      "Step Functions throttled",
    );
  }
  alarm(
    "Api5xxAlarm",
    watched.api.deploymentStage.metricServerError(fiveMinutes),
    `The ${config.stage} stage of this API answered 5xx`,
  );
  alarm(
    "DeadLettersAlarm",
    watched.deadLetters.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: "Maximum",
    }),
    "An event could not be delivered to its target, or a reconciler, sweeper or notifier failed on one after retries",
  );
  for (const [name, created] of Object.entries(watched.functions)) {
    alarm(`${name}ThrottlesAlarm`, created.function.metricThrottles(fiveMinutes), `${name} was throttled`);
  }
  for (const name of ["Front", "Reconciler", "Sweeper"]) {
    const created = watched.functions[name];
    if (!created) continue;
    alarm(
      `${name}ErrorsAlarm`,
      created.function.metricErrors(fiveMinutes),
      `${name} threw (a runtime failure: the front answers 500, the others are retried)`,
    );
  }
}
