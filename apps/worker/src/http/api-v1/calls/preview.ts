import { createRoute } from "@hono/zod-openapi";
import { CallCreate, CallPreview, PatientValidationError } from "@switchboard/schemas";
import { previewCalls } from "../../../calls/preview";
import { scopeOf, type App } from "../../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../../openapi/helpers";
import { rejectInvalidCreate } from "./create";

const previewCallsRoute = createRoute({
  method: "post",
  path: "/calls/preview",
  tags: ["Calls"],
  operationId: "previewCalls",
  security,
  summary: "Dry run of POST /api/v1/calls: what the contact policy and the tenant's lines would do, with nothing dialed or stored",
  description:
    "Takes the create body and answers with the same checks and errors, then, decided for now (or the batch's `scheduledAt`): how many calls would start " +
    "at once, how many would wait for a line, how many the contact policy would defer (by reason, earliest and latest time), how many it would refuse " +
    "(by reason), each patient's decision, and when the batch would finish on the tenant's lines inside each patient's calling hours. The estimate " +
    "assumes every call takes the agent's line time (the simulator's duration, else the tenant's recent average) and that calls already waiting go first.",
  request: { body: jsonBody(CallCreate) },
  responses: {
    200: jsonResponse(CallPreview, "What the batch would do"),
    400: jsonResponse(PatientValidationError, "Per-patient validation failure (or the error envelope for other fields)"),
    ...errorResponses(401, 403, 404, 413),
  },
});

export function registerPreviewCalls(app: App) {
  app.openapi(
    previewCallsRoute,
    async (c) => c.json(await previewCalls(scopeOf(c), c.req.valid("json")), 200),
    (result) => {
      rejectInvalidCreate(result);
      return undefined;
    },
  );
}
