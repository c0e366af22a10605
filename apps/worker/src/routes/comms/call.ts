import { createRoute, z } from "@hono/zod-openapi";
import { AiCallRequest, CommsCall } from "@switchboard/schemas";
import { placeAiCall } from "../../comms/ai-call";
import { getCommsCall } from "../../comms/call-wire";
import { commsError, commsHook } from "../../comms/errors";
import type { App } from "../../types";
import { jsonBody, jsonResponse } from "../openapi";
import { commsErrorResponses, commsSecurity as security } from "./openapi";

const tags = ["Comms"];

export function registerCommsCallRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/comms/call/ai", tags, security,
      summary: "Ai Call",
      description:
        "Calls the patient with the tenant's agent for `assistantType` on `provider` (an agent whose assistantType matches and whose provider, or providers list, includes it). The call belongs to the patient's chat.",
      request: { body: jsonBody(AiCallRequest) },
      responses: { 200: jsonResponse(CommsCall, "Successful Response"), ...commsErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const callId = await placeAiCall(c.env, c.var.db, c.var.tenantId, c.req.valid("json"));
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
