import { createRoute, z } from "@hono/zod-openapi";
import { AiCallRequest, CommsCall } from "@switchboard/schemas";
import { recordAudit } from "../../audit/record";
import { dispatchBatch } from "../../calls/dispatch-batch";
import { createAiCall } from "./ai-call";
import { getCommsCall } from "./serialize";
import { commsError, commsHook } from "./errors";
import type { App } from "../context";
import { emitCallsCreated } from "../../customer-webhooks/call-events";
import { jsonBody, jsonResponse } from "../openapi/helpers";
import { commsErrorResponses, commsSecurity as security } from "./openapi";

const tags = ["Comms"];

export function registerCommsCallRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/comms/call/ai", tags, security,
      summary: "Ai Call",
      description:
        "Calls the patient with the tenant's agent for `assistantType` on `provider` (an agent whose assistantType matches and whose `providers` list names it), " +
        "placed on that vendor with the tenant's credentials (PUT /api/v1/providers/{provider}). The call belongs to the patient's chat. " +
        "400 names what to configure when the tenant has no such agent or has not configured the vendor.",
      request: { body: jsonBody(AiCallRequest) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      // As POST /api/v1/calls does: create, record, announce, then dial.
      const { callId, batch, create } = await createAiCall(c.var.db, c.var.tenantId, c.req.valid("json"));
      await recordAudit(c, "call.created", callId, { detail: { batchId: batch.batchId } });
      await emitCallsCreated(c.env, c.var.tenantId, batch, create);
      await dispatchBatch(c.env, c.var.tenantId, batch, (work) => c.executionCtx.waitUntil(work));
      const call = await getCommsCall(c.var.db, c.var.tenantId, callId);
      if (!call) throw new Error("placed call not found");
      return c.json(call, 200);
    },
    (result) => commsHook(result),
  );

  app.openapi(
    createRoute({
      method: "get", path: "/comms/call/{id}", tags, security,
      summary: "Get a call in the /comms Call shape",
      request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(401, 403, 404) },
    }),
    async (c) => {
      const call = await getCommsCall(c.var.db, c.var.tenantId, c.req.valid("param").id);
      if (!call) throw commsError(404, "Call not found");
      return c.json(call, 200);
    },
    (result) => commsHook(result),
  );
}
