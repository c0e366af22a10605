import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq } from "drizzle-orm";
import { Pagination, Patient, PatientListQuery, PatientCreate, PatientUpdate, pathId, tables } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { erasePatient } from "../../patients/erase";
import { getPatient, normalizePatientInput, patientSearch, patientToWire } from "../../patients/store";
import { auditRead } from "../audit-reads";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Patients"];
const Params = z.object({ patientId: pathId("patientId") });
const PatientList = z.object({ data: z.array(Patient), pagination: Pagination }).openapi("PatientList");
const notFound = () => new HttpError(404, "Patient not found");

export function registerPatientRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/patients", operationId: "createPatient", tags, security, summary: "Create a patient",
      request: { body: jsonBody(PatientCreate) },
      responses: { 201: jsonResponse(Patient, "The patient"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const body = normalizePatientInput(c.req.valid("json"));
      const now = Date.now();
      const id = crypto.randomUUID();
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
        .insert(tables.patients)
        .values({
          id,
          tenantId: c.var.tenantId,
          firstName: body.firstName,
          lastName: body.lastName,
          phoneNumber: body.phoneNumber ?? null,
          birthDate: body.birthDate ?? null,
          email: body.email ?? null,
          timezone: body.timezone ?? null,
          state: body.state ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning(),
        ...auditQueries(db, scopeOf(c), "patient.created", id),
      ]);
      return c.json(patientToWire(row!), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/patients", operationId: "listPatients", tags, security,
      summary: "List patients, newest first; `q` searches names, email and phone number",
      request: { query: PatientListQuery },
      responses: { 200: jsonResponse(PatientList, "A page of patients"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const mine = and(eq(tables.patients.tenantId, c.var.tenantId), query.q ? patientSearch(query.q) : undefined);
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(tables.patients).where(mine)
          .orderBy(desc(tables.patients.createdAt), desc(tables.patients.id))
          .limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(tables.patients).where(mine),
      ]);
      await auditRead(c, "patient.read", rows.map((r) => r.id), { list: true });
      return c.json({ data: rows.map(patientToWire), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/patients/{patientId}", operationId: "getPatient", tags, security, summary: "Get a patient",
      request: { params: Params },
      responses: { 200: jsonResponse(Patient, "The patient"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const row = await getPatient(c.var.db, c.var.tenantId, c.req.valid("param").patientId);
      if (!row) throw notFound();
      await auditRead(c, "patient.read", [row.id]);
      return c.json(patientToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/patients/{patientId}", operationId: "updatePatient", tags, security, summary: "Update a patient",
      request: { params: Params, body: jsonBody(PatientUpdate) },
      responses: { 200: jsonResponse(Patient, "The updated patient"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { patientId } = c.req.valid("param");
      const body = normalizePatientInput(c.req.valid("json"));
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
          .update(tables.patients)
          .set({ ...body, updatedAt: Date.now() })
          .where(and(eq(tables.patients.id, patientId), eq(tables.patients.tenantId, c.var.tenantId)))
          .returning(),
        ...auditQueries(db, scopeOf(c), "patient.updated", patientId, { fields: changedFields(c.req.valid("json")) }, { onlyIfChanged: true }),
      ]);
      if (!row) throw notFound();
      return c.json(patientToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/patients/{patientId}", operationId: "deletePatient", tags, security,
      summary: "Delete a patient and erase their PHI",
      description:
        "Erases the patient's PHI everywhere: on their calls the number, transcript, report, metadata and recording link; on their messages " +
        "the text, numbers and attachments; archived copies in R2 are rewritten by the next lifecycle run. Their calls stay (ids, times, " +
        "statuses) and no longer embed the patient. Refused with 409 while one of their calls has not ended.",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ patient_id: z.string(), deleted: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { patientId } = c.req.valid("param");
      const scope = scopeOf(c);
      if (!(await erasePatient(scope, patientId))) throw notFound();
      return c.json({ patient_id: patientId, deleted: true as const }, 200);
    },
  );
}
