import { createRoute, z } from "@hono/zod-openapi";
import { AiCallRequest, CommsCall } from "@switchboard/schemas";
import { placeCalls } from "../../calls/place";
import { scopeOf, type App } from "../context";
import { callQuota } from "../middleware/rate-limit";
import { auditRead } from "../audit-reads";
import { jsonBody, jsonResponse } from "../openapi/helpers";
import { getCommsCall } from "../wire/comms-call";
import { aiCallAsCreate } from "./ai-call";
import { commsError } from "./errors";
import { commsErrorResponses, commsSecurity as security } from "./openapi";

const tags = ["Comms"];

export function registerCommsCallRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/call/ai", operationId: "commsCreateAiCall", tags, security,
      middleware: [callQuota(() => 1)] as const,
      summary: "Ai Call",
      description:
        "Calls the patient with the tenant's agent for `assistantType` on `provider` (an agent whose assistantType matches and whose `providers` list names it), " +
        "placed on that vendor with the tenant's credentials (PUT /api/v1/providers/{provider}). The call belongs to the patient's chat. " +
        "400 names what to configure when the tenant has no such agent or has not configured the vendor. " +
        "The contact policy decides the call (its purpose is the agent's): refused (the patient opted out, the number is on the do-not-call list, no consent, …) is a 409 " +
        "whose detail names the rule, and no call is placed; deferred (outside calling hours, a cap) answers `CREATED` and the call is placed when its time comes.",
      request: { body: jsonBody(AiCallRequest) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const request = c.req.valid("json");
      const create = await aiCallAsCreate(c.var.db, c.var.tenantId, request);
      // A call the contact policy refuses is not placed: 409 naming the rule (a deferred one is CREATED until its time).
      const batch = await placeCalls(scopeOf(c), create, { provider: request.provider, refuse: () => true, wait: true });
      const call = await getCommsCall(c.var.db, c.env.FILES, c.var.tenantId, batch.calls[0]!.callId);
      if (!call) throw new Error("placed call not found");
      return c.json(call, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/call/{id}", operationId: "commsGetCall", tags, security,
      summary: "Get a call in the /comms Call shape",
      request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(401, 403, 404) },
    }),
    async (c) => {
      const call = await getCommsCall(c.var.db, c.env.FILES, c.var.tenantId, c.req.valid("param").id);
      if (!call) throw commsError(404, "Call not found");
      await auditRead(c, "call.read", [call.id]);
      return c.json(call, 200);
    },
  );
}
