import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { FrontHandler } from "../core/front.ts";
import { toProxyResult, toRequest } from "./api-gateway.ts";
import { awsFront } from "./aws-front.ts";
import { createLogger } from "./logging.ts";

/** The front Lambda over any front handler: API Gateway event in, the same front as locally, proxy result out. */
export function createFrontLambda(handle: FrontHandler) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    toProxyResult(await handle(toRequest(event)));
}

let lambda: ReturnType<typeof createFrontLambda> | undefined;

/** The Lambda entry point: deps are built on the first invocation of a container, then reused. */
export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  if (!lambda) {
    const logger = createLogger("front");
    const front = awsFront(process.env, (error) =>
      logger.error("unexpected error", { error: error as Error }),
    );
    lambda = createFrontLambda(front.handle);
  }
  return lambda(event);
};
