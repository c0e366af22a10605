import { createRoute, type z } from "@hono/zod-openapi";
import { CallCreate, CallCreateResponse, LIVE_STATUSES, PatientValidationError } from "@switchboard/schemas";
import { placeCalls } from "../../../calls/place";
import { HttpError } from "../../errors";
import { scopeOf, type App } from "../../context";
import { callQuota, patientsInBody } from "../../middleware/rate-limit";
import { describeIssues } from "../../../lib/issues";
import { patientErrorsFromIssues } from "./patient-errors";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../../openapi/helpers";

const createCallsRoute = createRoute({
  method: "post",
  path: "/calls",
  operationId: "createCalls",
  tags: ["Calls"],
  security,
  // One token per call: a 1,000-patient batch spends 1,000 of the tenant's calls per minute.
  middleware: [callQuota(patientsInBody)] as const,
  summary: "Create outbound calls to patients (one batch / campaign)",
  description:
    "Phone numbers come from the patient records. Every call of the request shares the agent. With `scheduledAt` the calls wait until then. " +
    "Calls start while the tenant has free lines (its concurrency limit) and the patient is inside their calling hours; the others are `queued` " +
    "(counted in `totalQueued`) and start in order as lines free up and windows open. At most 1,000 patients per request. " +
    "The response comes once the lines are granted, not after the dials: a call given a line answers `initiating` (counted in `totalInitiated`) " +
    "and its call object decides the contact policy and dials moments later; until then GET /api/v1/calls/{callId} reads it `queued` " +
    "(never `dialing` or `in-progress` before the vendor has it). " +
    "Every call is decided by the contact policy (federal and state calling hours, the health-care exemption's caps, consent, opt-outs, " +
    "the tenant's do-not-call list; see GET /api/v1/contact-policy): a deferred call waits `queued` until its `policy.until` (`totalDeferred`), " +
    "a refused one is recorded `canceled` with outcome `refused` and never dialed (`totalRefused`). `purpose` (default: the agent's) decides which rules apply. " +
    "Each call spends one of the tenant's calls per minute (1,000 by default): beyond it, 429 with Retry-After, and nothing is created.",
  request: { body: jsonBody(CallCreate) },
  responses: {
    201: jsonResponse(CallCreateResponse, "The batch and its calls"),
    400: jsonResponse(PatientValidationError, "Per-patient validation failure (or the error envelope for other fields)"),
    ...errorResponses(401, 403, 404, 413),
  },
});

/** Per-patient problems answer in the Calls API's validation shape; anything else in the envelope. */
export function rejectInvalidCreate(result: { success: true } | { success: false; error: z.ZodError }): void {
  if (result.success) return;
  // On failure the validator passes the raw body as `data`; the documented shape echoes parts of it.
  const raw = (result as { data?: unknown }).data;
  const body = patientErrorsFromIssues(result.error.issues, raw);
  if (body) throw new HttpError(400, body.message, body);
  throw new HttpError(400, `Validation failed: ${describeIssues(result.error.issues)}`);
}

export function registerCreateCall(app: App) {
  app.openapi(
    createCallsRoute,
    async (c) => {
      const body = c.req.valid("json");
      const batch = await placeCalls(scopeOf(c), body);
      const calls = batch.calls;
      const totalInitiated = calls.filter((call) => LIVE_STATUSES.includes(call.status) || call.status === "completed" || call.status === "failed").length;
      const totalQueued = calls.filter((call) => call.status === "queued").length;
      const totalDeferred = calls.filter((call) => call.status === "queued" && call.policy?.kind === "defer").length;
      const totalRefused = calls.filter((call) => call.policy?.kind === "refuse").length;
      const policy = [
        totalDeferred ? `${totalDeferred} deferred by the contact policy` : "",
        totalRefused ? `${totalRefused} refused by the contact policy` : "",
      ].filter(Boolean);
      const message =
        batch.scheduledAt === null
          ? `Batch created and initiated ${totalInitiated} calls${totalQueued ? `; ${totalQueued} queued` : ""}${policy.length ? ` (${policy.join(", ")})` : ""}`
          : `Batch created and scheduled ${calls.length} calls for ${new Date(batch.scheduledAt).toISOString()}`;
      return c.json(
        {
          success: true as const,
          batchId: batch.batchId,
          totalQueued,
          totalInitiated,
          totalDeferred,
          totalRefused,
          calls: calls.map((call) => ({ callId: call.callId, roomName: `outbound-${call.callId}`, status: call.status })),
          message,
          // The request as the client sent it.
          payload: (await c.req.json()) as Record<string, unknown>,
        },
        201,
      );
    },
    (result) => {
      rejectInvalidCreate(result);
      return undefined;
    },
  );
}
