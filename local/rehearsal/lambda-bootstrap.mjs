// The rehearsal's stand-in for Lambda's Node.js runtime: loads one bundle (from a folder with no node_modules
// above it, so it sees only Node's built-ins), then answers invocations from its parent over IPC, one at a time.
// Plain JavaScript: it runs before anything is compiled, with nothing but Node.
const started = performance.now();
const [file, exportName] = [process.env.REHEARSAL_HANDLER_FILE, process.env.REHEARSAL_HANDLER_EXPORT];
let handler;
try {
  const module = await import(file);
  handler = module[exportName];
  if (typeof handler !== "function") throw new Error(`${exportName} is not a function in the bundle`);
} catch (error) {
  process.send({
    type: "init-error",
    errorType: error?.name ?? "Error",
    errorMessage: String(error?.message),
  });
  process.exit(1);
}
process.send({ type: "ready", initMs: performance.now() - started });
process.on("message", async (message) => {
  const deadline = Date.now() + message.timeoutMs;
  // Lambda sets the trace header per invocation; Sampled=0, so nothing is sent to an X-Ray daemon.
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${message.id.replaceAll("-", "").slice(0, 24)};Parent=0000000000000001;Sampled=0`;
  const context = {
    awsRequestId: message.id,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: "$LATEST",
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "rehearsal",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    process.send({ type: "result", id: message.id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({
      type: "error",
      id: message.id,
      errorType: error?.name ?? "Error",
      errorMessage: String(error?.message ?? error),
    });
  }
});
