import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { FrontHandler } from "../core/front.ts";
import { toProxyResult, toRequest } from "./api-gateway.ts";
import { awsFront } from "./aws-front.ts";
import { createLogger } from "./logging.ts";
import { observability } from "./observability.ts";
import { lazyHandler } from "./tool-handler.ts";

/** The front Lambda over any front handler: API Gateway event in, the same front as locally, proxy result out. */
export function createFrontLambda(handle: FrontHandler) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    toProxyResult(await handle(toRequest(event)));
}

/** The Lambda entry point: deps are built on the first invocation of a container, then reused. */
export const handler = lazyHandler(() => {
  const logger = createLogger("front");
  const { tracer } = observability("front");
  const onError = (error: unknown) => logger.error("unexpected error", { error: error as Error });
  return createFrontLambda(awsFront(process.env, onError, tracer).handle);
});
