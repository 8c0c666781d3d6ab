import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FunctionSpec } from "./assembly.ts";
import type { AwsLatencyModel } from "./aws-model.ts";

const BOOTSTRAP = new URL("./lambda-bootstrap.mjs", import.meta.url).pathname;

/** A function's failure as Lambda reports it to Step Functions and EventBridge. */
export class LambdaFailure extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(errorMessage);
    this.name = errorType;
  }
}

export interface FunctionStats {
  /** Module load and handler lookup of each cold start, in milliseconds. */
  initMs: number[];
  invocations: number;
  errors: number;
}

interface Instance {
  child: ChildProcess;
  busy: boolean;
  lastUsed: number;
}

/**
 * Runs one function's bundle as Lambda's nodejs22.x runtime would: copied to a folder outside the project (so it
 * resolves no package but Node's built-ins, as the runtime gives it none of ours), one process per concurrent
 * invocation (cold starts as they come), the template's environment plus what Lambda itself sets.
 */
export class LambdaHost {
  readonly stats: FunctionStats = { initMs: [], invocations: 0, errors: 0 };
  readonly #spec: FunctionSpec;
  readonly #environment: Record<string, string>;
  readonly #instances: Instance[] = [];
  #root: Promise<string> | undefined;

  readonly #model: AwsLatencyModel | undefined;

  /** With `model`, invocations take as long as Lambda's would: the invoke, a cold start, idle instances retired. */
  constructor(spec: FunctionSpec, awsEnvironment: Record<string, string>, model?: AwsLatencyModel) {
    this.#spec = spec;
    this.#model = model;
    this.#environment = {
      PATH: process.env.PATH ?? "",
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "ASIAREHEARSAL",
      AWS_SECRET_ACCESS_KEY: "rehearsal",
      AWS_SESSION_TOKEN: "rehearsal",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
      // Nothing listens here; with Sampled=0 nothing is sent.
      AWS_XRAY_DAEMON_ADDRESS: "127.0.0.1:2000",
      ...awsEnvironment,
      ...spec.environment,
    };
  }

  get name(): string {
    return this.#spec.logicalId;
  }

  /** Invokes the function with `event`; resolves its result, rejects with its error as a LambdaFailure. */
  async invoke(event: unknown): Promise<unknown> {
    const instance = await this.#idle();
    instance.busy = true;
    this.stats.invocations += 1;
    const id = randomUUID();
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          instance.child.kill("SIGKILL");
          reject(
            new LambdaFailure(
              "Sandbox.Timedout",
              `Task timed out after ${this.#spec.timeoutSeconds} seconds`,
            ),
          );
        }, this.#spec.timeoutSeconds * 1000);
        const onExit = () => {
          clearTimeout(timer);
          reject(new LambdaFailure("Runtime.ExitError", "The runtime exited during the invocation"));
        };
        const onMessage = (message: {
          type: string;
          id?: string;
          result?: unknown;
          errorType?: string;
          errorMessage?: string;
        }) => {
          if (message.id !== id) return;
          clearTimeout(timer);
          instance.child.off("message", onMessage);
          instance.child.off("exit", onExit);
          if (message.type === "result") resolve(message.result);
          else reject(new LambdaFailure(message.errorType ?? "Error", message.errorMessage ?? ""));
        };
        instance.child.on("message", onMessage);
        instance.child.once("exit", onExit);
        instance.child.send({
          id,
          event,
          functionArn: this.#spec.arn,
          timeoutMs: this.#spec.timeoutSeconds * 1000,
        });
      });
    } catch (error) {
      this.stats.errors += 1;
      throw error;
    } finally {
      instance.busy = false;
      instance.lastUsed = Date.now();
    }
  }

  async #idle(): Promise<Instance> {
    const live = this.#instances.filter(
      (instance) => instance.child.exitCode === null && !instance.child.killed,
    );
    this.#instances.splice(0, this.#instances.length, ...live);
    const model = this.#model;
    if (model) {
      // Lambda retires an execution environment left idle for a while; the next invocation starts cold.
      const expiry = model.ms("lambdaIdleExpiryMs");
      for (const instance of live.filter((i) => !i.busy && Date.now() - i.lastUsed > expiry)) {
        instance.child.kill("SIGKILL");
        live.splice(live.indexOf(instance), 1);
      }
      this.#instances.splice(0, this.#instances.length, ...live);
    }
    const idle = live.find((instance) => !instance.busy);
    if (idle) {
      idle.busy = true;
      await model?.delay("lambdaWarmInvokeMs");
      return idle;
    }
    const instance = { child: await this.#coldStart(), busy: true, lastUsed: Date.now() };
    this.#instances.push(instance);
    await model?.delay("lambdaColdStartMs");
    return instance;
  }

  async #coldStart(): Promise<ChildProcess> {
    this.#root ??= (async () => {
      const root = await mkdtemp(join(tmpdir(), `rehearsal-${this.#spec.logicalId}-`));
      await cp(this.#spec.bundleDir, join(root, "task"), { recursive: true });
      return join(root, "task");
    })();
    const task = await this.#root;
    const [file, exportName] = this.#spec.handler.split(".") as [string, string];
    const child = fork(BOOTSTRAP, [], {
      cwd: task,
      env: {
        ...this.#environment,
        LAMBDA_TASK_ROOT: task,
        REHEARSAL_HANDLER_FILE: join(task, `${file}.mjs`),
        REHEARSAL_HANDLER_EXPORT: exportName,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    child.stdout?.resume();
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      child.once(
        "message",
        (message: { type: string; initMs?: number; errorType?: string; errorMessage?: string }) => {
          if (message.type === "ready") {
            this.stats.initMs.push(message.initMs ?? 0);
            resolve(child);
          } else {
            this.stats.errors += 1;
            reject(
              new LambdaFailure("Runtime.ImportModuleError", `${message.errorType}: ${message.errorMessage}`),
            );
          }
        },
      );
      child.once("exit", (code) =>
        reject(new LambdaFailure("Runtime.ExitError", `exited ${code}: ${stderr}`)),
      );
      child.once("error", (error) => reject(new LambdaFailure("Runtime.ExitError", error.message)));
    });
  }

  async close(): Promise<void> {
    for (const instance of this.#instances) instance.child.kill("SIGKILL");
    this.#instances.length = 0;
    const root = await this.#root;
    if (root) await rm(join(root, ".."), { recursive: true, force: true });
  }
}
