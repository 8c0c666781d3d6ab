import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from "@aws-sdk/client-sfn";
import { REQUEST_ID_META_KEY } from "../../functions/core/call-result.ts";
import { FAST_POLL_MS } from "../../functions/core/watch.ts";
import type { Rehearsal } from "./rehearsal.ts";
import { postToolCall } from "./session.ts";

/** Median and 95th percentile, in milliseconds. */
export function percentiles(samples: number[]): { median: number; p95: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), n: sorted.length };
}

const credentials = { accessKeyId: "x", secretAccessKey: "x" };

/**
 * What the rehearsal measures, with no in-process change signal (as on AWS):
 * - the lag from a standard call's completion (its record written) to the front's answer, through the MCP endpoint;
 * - a get_weather workflow end to end on the express path (StartSyncExecution) against the standard path
 *   (StartExecution, then the record read every FAST_POLL_MS as the front does).
 */
export async function measureLatency(rehearsal: Rehearsal, runs = 20) {
  const lags: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await postToolCall(rehearsal, "send_push_notification", {
      title: `Lag ${i}`,
      message: "measuring",
    });
    const answered = Date.now();
    const id = String(result._meta?.[REQUEST_ID_META_KEY]);
    const status = (await (
      await fetch(`${rehearsal.endpoint}/status/${id}`, { headers: { "x-api-key": rehearsal.apiKey } })
    ).json()) as { lastUpdatedAt: string };
    lags.push(answered - Date.parse(status.lastUpdatedAt));
  }

  const sfn = new SFNClient({
    endpoint: rehearsal.stepFunctionsEndpoint,
    region: "us-east-1",
    credentials,
    disableHostPrefix: true,
  });
  const dynamo = new DynamoDBClient({ endpoint: rehearsal.dynamoEndpoint, region: "us-east-1", credentials });
  const table = rehearsal.assembly.tables.find((t) => t.logicalId.startsWith("Requests"))?.name;
  const machine = (type: string) => rehearsal.assembly.stateMachines.find((m) => m.type === type)?.arn;
  const express: number[] = [];
  const standard: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const kind of ["EXPRESS", "STANDARD"] as const) {
      const id = crypto.randomUUID();
      const now = new Date().toISOString();
      await dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            id: { S: id },
            owner: { S: "latency" },
            tool: { S: "get_weather" },
            status: { S: "working" },
            createdAt: { S: now },
            workingSince: { S: now },
          },
        }),
      );
      const input = JSON.stringify({
        requestId: id,
        tool: "get_weather",
        arguments: { location: "sample-links", days: 1 },
        owner: "latency",
        startedAt: Date.now(),
      });
      const started = performance.now();
      if (kind === "EXPRESS") {
        await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: machine(kind), name: id, input }));
        express.push(performance.now() - started);
        continue;
      }
      await sfn.send(new StartExecutionCommand({ stateMachineArn: machine(kind), name: id, input }));
      for (;;) {
        const { Item } = await dynamo.send(
          new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }),
        );
        if (Item?.status?.S !== "working") break;
        await new Promise((resolve) => setTimeout(resolve, FAST_POLL_MS));
      }
      standard.push(performance.now() - started);
    }
  }
  sfn.destroy();
  dynamo.destroy();
  return {
    standardAnswerLagMs: percentiles(lags),
    getWeatherExpressMs: percentiles(express),
    getWeatherStandardMs: percentiles(standard),
  };
}
