import { createRoute } from "@hono/zod-openapi";
import { tables } from "@switchboard/schemas";
import { getAgent } from "../../agents/store";
import { isOptedOut } from "../../consent/opt-outs";
import { toE164 } from "../../lib/phone";
import { findOrCreateByPhone } from "../../patients/walk-in";
import { jsonBody, jsonResponse } from "../openapi/helpers";
import { scopeOf, type App } from "../context";
import { placeOneCall } from "../../calls/place";
import { invalidField, VocodeError } from "./errors";
import { vocodeErrorResponses, vocodeSecurity, vocodeTags } from "./openapi";
import { VocodeCall, VocodeCreateCall, VocodeHttpError } from "./schema";
import { toVocodeCall } from "./serialize";

const E164 = /^\+[1-9]\d{1,14}$/;

export function registerVocodeCreate(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/calls/create", operationId: "vocodeCreateCall", tags: vocodeTags, security: vocodeSecurity,
      summary: "Create a call (Vocode's POST /v1/calls/create)",
      description:
        "Dials `to_number` with a Switchboard agent. A number that is no patient's becomes a walk-in contact. With `run_do_not_call_detection` a number on the tenant's do-not-call list is recorded with `do_not_call_result: true` and not dialed; without it such a number is refused (400).",
      request: { body: jsonBody(VocodeCreateCall) },
      responses: {
        200: jsonResponse(VocodeCall, "The call"),
        400: jsonResponse(VocodeHttpError, "The number is on the do-not-call list"),
        404: jsonResponse(VocodeHttpError, "No such agent"),
        ...vocodeErrorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { db, tenantId } = c.var;
      const toNumber = E164.test(body.to_number) && toE164(body.to_number) === body.to_number ? body.to_number : null;
      if (!toNumber) throw invalidField(["body", "to_number"], "to_number must be a phone number in E.164 format, e.g. +15555550142");
      const agent = await getAgent(db, tenantId, body.agent);
      if (!agent) throw new VocodeError(404, "Agent not found");

      const detect = body.run_do_not_call_detection === true;
      const onDoNotCallList = await isOptedOut(db, tenantId, toNumber);
      if (onDoNotCallList && !detect) throw new VocodeError(400, "to_number is on the do-not-call list");
      const patient = await findOrCreateByPhone(db, tenantId, toNumber);
      const hipaa = body.hipaa_compliant === true;
      const now = Date.now();

      const view = await placeOneCall(
        scopeOf(c),
        { patients: [{ patientId: patient.id, ...(body.context ? { extended: body.context } : {}) }], agentId: agent.id, recording: !hipaa },
        {
          optedOut: detect ? "record" : "refuse",
          alongside: (calls) =>
            calls.map((call) =>
              db.insert(tables.callOptions).values({
                callId: call.id,
                tenantId,
                surface: "vocode",
                hipaaCompliant: hipaa,
                onNoHumanAnswer: body.on_no_human_answer ?? "continue",
                runDoNotCallDetection: body.run_do_not_call_detection ?? null,
                doNotCallResult: detect ? onDoNotCallList : null,
                fromNumber: body.from_number,
                telephonyParams: body.telephony_params ?? null,
                createdAt: now,
              }),
            ),
        },
      );
      return c.json(toVocodeCall(view), 200);
    },
  );
}
