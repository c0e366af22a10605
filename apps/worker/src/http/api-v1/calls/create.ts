import { createRoute, type z } from "@hono/zod-openapi";
import { CallCreate, CallCreateResponse, PatientValidationError } from "@switchboard/schemas";
import { placeCalls } from "../../../calls/place";
import { HttpError } from "../../errors";
import { scopeOf, type App } from "../../context";
import { describeIssues } from "../../../lib/issues";
import { patientErrorsFromIssues } from "./patient-errors";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../../openapi/helpers";

const createCallsRoute = createRoute({
  method: "post",
  path: "/calls",
  operationId: "createCalls",
  tags: ["Calls"],
  security,
  summary: "Create outbound calls to patients (one batch / campaign)",
  description:
    "Phone numbers come from the patient records. Every call of the request shares the agent. With `scheduledAt` the calls wait until then. " +
    "Calls start while the tenant has free lines (its concurrency limit) and the patient is inside their calling hours; the others are `queued` " +
    "(counted in `totalQueued`) and start in order as lines free up and windows open. At most 1,000 patients per request.",
  request: { body: jsonBody(CallCreate) },
  responses: {
    201: jsonResponse(CallCreateResponse, "The batch and its calls"),
    400: jsonResponse(PatientValidationError, "Per-patient validation failure (or the error envelope for other fields)"),
    ...errorResponses(401, 403, 404, 413),
  },
});

/** Per-patient problems answer in the Calls API's validation shape; anything else in the envelope. */
function rejectInvalidCreate(result: { success: true } | { success: false; error: z.ZodError }): void {
  if (result.success) return;
  // On failure the validator passes the raw body as `data`; the documented shape echoes parts of it.
  const raw = (result as { data?: unknown }).data;
  const body = patientErrorsFromIssues(result.error.issues, raw);
  if (body) throw new HttpError(400, body.message, body);
  throw new HttpError(400, `Validation failed: ${describeIssues(result.error.issues)}`);
};

export function registerCreateCall(app: App) {
  app.openapi(
    createCallsRoute,
    async (c) => {
      const body = c.req.valid("json");
      const batch = await placeCalls(scopeOf(c), body);
      const calls = batch.calls;
      const totalInitiated = calls.filter((call) => call.status !== "queued" && call.status !== "scheduled").length;
      const totalQueued = calls.filter((call) => call.status === "queued").length;
      const message =
        batch.scheduledAt === null
          ? `Batch created and initiated ${totalInitiated} calls${totalQueued ? `; ${totalQueued} queued` : ""}`
          : `Batch created and scheduled ${calls.length} calls for ${new Date(batch.scheduledAt).toISOString()}`;
      return c.json(
        {
          success: true as const,
          batchId: batch.batchId,
          totalQueued,
          totalInitiated,
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
