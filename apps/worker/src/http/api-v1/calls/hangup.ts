import { createRoute, z } from "@hono/zod-openapi";
import { HangupResponse } from "@switchboard/schemas";
import { hangUpCall } from "../../../calls/hang-up";
import { scopeOf, type App } from "../../context";
import { HttpError } from "../../errors";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

// The Calls API documents both refusals as 400s with these words.
const NO_SUCH_CALL = "There are no ongoing calls with that call ID";
const NOT_HANGABLE = "Call was not in a status that could be hung up";

export function registerHangupCall(app: App) {
  app.openapi(
    createRoute({
      method: "delete", path: "/calls/{callId}", operationId: "hangUpCall", tags: ["Calls"], security,
      summary: "Hang up a call that is initiating, dialing or in progress (it ends as failed)",
      request: { params: z.object({ callId: z.string().openapi({ param: { name: "callId", in: "path" } }) }) },
      responses: { 200: jsonResponse(HangupResponse, "Hung up"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      const result = await hangUpCall(scopeOf(c), callId);
      if (result === "not-found") throw new HttpError(400, NO_SUCH_CALL);
      if (result !== "hung-up") throw new HttpError(400, NOT_HANGABLE);
      return c.json({ callId, message: "Call terminated successfully" as const }, 200);
    },
  );
}
