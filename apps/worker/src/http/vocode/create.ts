import { createRoute } from "@hono/zod-openapi";
import { tables, type PolicyDecision } from "@switchboard/schemas";
import { getAgent } from "../../agents/store";
import { isOnDoNotCallList } from "../../consent/do-not-call";
import { isOptedOut } from "../../consent/opt-outs";
import { toE164 } from "../../lib/phone";
import { findOrCreateByPhone } from "../../patients/walk-in";
import { jsonBody, jsonResponse } from "../openapi/helpers";
import { scopeOf, type App } from "../context";
import { callQuota } from "../middleware/rate-limit";
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
      middleware: [callQuota(() => 1)] as const,
      summary: "Create a call (Vocode's POST /v1/calls/create)",
      description:
        "Dials `to_number` with a Switchboard agent. A number that is no patient's becomes a walk-in contact. With `run_do_not_call_detection` a number that opted out or is on the tenant's do-not-call list is recorded with `do_not_call_result: true` and not dialed; without it such a number is refused (400). Every other contact-policy refusal (no consent, purpose not allowed, no calling window) is recorded as a call with status `error` and an `error_message` naming the rule; a deferred call is `not_started` until its time.",
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
      // Checked before a walk-in contact is created for the number: a refusal leaves nothing behind.
      const [optedOut, listed] = await Promise.all([isOptedOut(db, tenantId, toNumber), isOnDoNotCallList(db, tenantId, toNumber)]);
      if ((optedOut || listed) && !detect) throw new VocodeError(400, "to_number is on the do-not-call list");
      const patient = await findOrCreateByPhone(db, tenantId, toNumber);
      const hipaa = body.hipaa_compliant === true;
      const now = Date.now();

      const view = await placeOneCall(
        scopeOf(c),
        { patients: [{ patientId: patient.id, ...(body.context ? { extended: body.context } : {}) }], agentId: agent.id, recording: !hipaa },
        {
          // Vocode's call object carries the vendor's id (telephony_id): answer once the call is started.
          wait: true,
          // The contact policy decides again inside (it is the authority); without detection its do-not-call refusals are this 400.
          ...(detect ? {} : { refuse: (reason) => reason === "opted_out" || reason === "number_on_dnc" }),
          alongside: (calls) =>
            calls.map((call) =>
              db.insert(tables.callOptions).values({
                callId: call.id,
                tenantId,
                surface: "vocode",
                hipaaCompliant: hipaa,
                onNoHumanAnswer: body.on_no_human_answer ?? "continue",
                runDoNotCallDetection: body.run_do_not_call_detection ?? null,
                doNotCallResult: detect ? doNotCallResult(call.policy) : null,
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

/** Vocode's `do_not_call_result`: the policy refused the call because the number opted out or is on the tenant's list. */
function doNotCallResult(policy: PolicyDecision | null): boolean {
  return policy?.kind === "refuse" && policy.reasons.some((r) => r === "opted_out" || r === "number_on_dnc");
}
