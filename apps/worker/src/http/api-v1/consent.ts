import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { PatientConsent, pathId, tables } from "@switchboard/schemas";
import { HttpError } from "../errors";
import { iso } from "../../lib/time";
import { getPatient } from "../../patients/store";
import type { App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../openapi/helpers";

/** The patient's consent record: every opt-out of their number (STOP, provider reports) and when it ended (START). */
export function registerConsentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/patients/{patientId}/consent", operationId: "getPatientConsent", tags: ["Patients"], security,
      summary: "Whether the patient's number is opted out, with its history",
      request: { params: z.object({ patientId: pathId("patientId") }) },
      responses: { 200: jsonResponse(PatientConsent, "The consent record"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const patient = await getPatient(c.var.db, c.var.tenantId, c.req.valid("param").patientId);
      if (!patient) throw new HttpError(404, "Patient not found");
      const { optOuts } = tables;
      const rows = patient.phoneNumber
        ? await c.var.db
            .select()
            .from(optOuts)
            .where(and(eq(optOuts.tenantId, c.var.tenantId), eq(optOuts.phoneNumber, patient.phoneNumber)))
            .orderBy(asc(optOuts.optedOutAt), asc(optOuts.id))
        : [];
      return c.json(
        {
          patientId: patient.id,
          phoneNumber: patient.phoneNumber,
          optedOut: rows.some((r) => r.optedInAt === null),
          history: rows.map((r) => ({
            phoneNumber: r.phoneNumber,
            optedOutAt: iso(r.optedOutAt),
            source: r.source,
            keyword: r.keyword,
            optedInAt: iso(r.optedInAt),
            optInSource: r.optInSource,
          })),
        },
        200,
      );
    },
  );
}
