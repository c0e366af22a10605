import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { HangupResponse, tables } from "@switchboard/schemas";
import { callStub } from "../../../objects/stubs";
import { recordAudit } from "../../../audit/record";
import { ApiError } from "../../errors";
import type { App } from "../../context";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const NO_SUCH_CALL = "There are no ongoing calls with that call ID";
const NOT_HANGABLE = "Call was not in a status that could be hung up";

export function registerHangupCall(app: App) {
  app.openapi(
    createRoute({
      method: "delete", path: "/api/v1/calls/{callId}", tags: ["Calls"], security,
      summary: "Hang up a call that is initiating, dialing or in progress (it ends as failed)",
      request: { params: z.object({ callId: z.string().openapi({ param: { name: "callId", in: "path" } }) }) },
      responses: { 200: jsonResponse(HangupResponse, "Hung up"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      // Tenant scoping happens here: the call object itself knows nothing of who asks.
      const call = await c.var.db
        .select({ id: tables.calls.id })
        .from(tables.calls)
        .where(and(eq(tables.calls.id, callId), eq(tables.calls.tenantId, c.var.tenantId)))
        .get();
      if (!call) throw new ApiError(400, NO_SUCH_CALL);
      const result = await callStub(c.env, call.id).hangup();
      if (result !== "hung-up") throw new ApiError(400, NOT_HANGABLE);
      await recordAudit(c, "call.hung_up", call.id);
      return c.json({ callId: call.id, message: "Call terminated successfully" as const }, 200);
    },
  );
}
