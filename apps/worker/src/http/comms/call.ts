import { createRoute, z } from "@hono/zod-openapi";
import { AiCallRequest, CommsCall } from "@switchboard/schemas";
import { placeCalls } from "../../calls/place";
import { scopeOf, type App } from "../context";
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
      summary: "Ai Call",
      description:
        "Calls the patient with the tenant's agent for `assistantType` on `provider` (an agent whose assistantType matches and whose `providers` list names it), " +
        "placed on that vendor with the tenant's credentials (PUT /api/v1/providers/{provider}). The call belongs to the patient's chat. " +
        "400 names what to configure when the tenant has no such agent or has not configured the vendor.",
      request: { body: jsonBody(AiCallRequest) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const request = c.req.valid("json");
      const create = await aiCallAsCreate(c.var.db, c.var.tenantId, request);
      const batch = await placeCalls(scopeOf(c), create, { provider: request.provider });
      const call = await getCommsCall(c.var.db, c.var.tenantId, batch.calls[0]!.callId);
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
      const call = await getCommsCall(c.var.db, c.var.tenantId, c.req.valid("param").id);
      if (!call) throw commsError(404, "Call not found");
      return c.json(call, 200);
    },
  );
}
