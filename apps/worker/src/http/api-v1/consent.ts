import { createRoute, z } from "@hono/zod-openapi";
import { ConsentLedgerEntry, ConsentRecordCreate, ConsentRestore, ConsentRevoke, PageQuery, PatientConsent, PatientContacts, pathId } from "@switchboard/schemas";
import { recordAudit } from "../../audit/record";
import { patientConsent, recordConsent, withdrawConsent } from "../../consent/ledger";
import { restoreConsent, revokeConsent } from "../../consent/revocation";
import { offsetOf, pagination } from "../../lib/pagination";
import { patientContacts } from "../../patients/contacts";
import { getPatient } from "../../patients/store";
import { auditRead } from "../audit-reads";
import { HttpError } from "../errors";
import type { Context } from "hono";
import { scopeOf, type App, type AppEnv } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Patients"];
const Params = z.object({ patientId: pathId("patientId") });
const RecordParams = z.object({ patientId: pathId("patientId"), recordId: pathId("recordId") });

async function patientOf(c: Context<AppEnv>, patientId: string) {
  const patient = await getPatient(c.var.db, c.var.tenantId, patientId);
  if (!patient) throw new HttpError(404, "Patient not found");
  return patient;
}

/**
 * The patient's consent: the ledger of grants (basis, source, when, evidence, calls and/or texts),
 * revocations by any means (STOP texts, and what the clinic records: spoken, letter, ...), and
 * whether the number is on the tenant's do-not-call list. The contact policy reads all of it
 * before every call and text.
 */
export function registerConsentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/patients/{patientId}/consent", operationId: "getPatientConsent", tags, security,
      summary: "The patient's consent: opt-outs with their history, the consent ledger, the do-not-call list",
      request: { params: Params },
      responses: { 200: jsonResponse(PatientConsent, "The consent record"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const patient = await patientOf(c, c.req.valid("param").patientId);
      const consent = await patientConsent(c.var.db, c.var.tenantId, patient);
      await auditRead(c, "consent.read", [patient.id]);
      return c.json(consent, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/patients/{patientId}/consent", tags, security, operationId: "recordConsent",
      summary: "Record a grant of consent in the ledger",
      description:
        "For the patient's current number: `prior_express_consent` (enough for billing and other non-exempt calls and texts) or " +
        "`prior_express_written_consent` (also needed for marketing, 47 CFR 64.1200(a)(2)), for `calls`, `texts` or both, with where it came from " +
        "and where the proof is kept. It does not end an opt-out: a revocation stands until the patient takes it back.",
      request: { params: Params, body: jsonBody(ConsentRecordCreate) },
      responses: { 201: jsonResponse(ConsentLedgerEntry, "The recorded grant"), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const patient = await patientOf(c, c.req.valid("param").patientId);
      const entry = await recordConsent(c.var.db, c.var.tenantId, patient, c.req.valid("json"));
      await recordAudit(scopeOf(c), "consent.recorded", entry.id, { patientId: patient.id, basis: entry.basis, scope: entry.scope });
      return c.json(entry, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/patients/{patientId}/consent/{recordId}", tags, security, operationId: "withdrawConsentRecord",
      summary: "Withdraw a grant recorded by mistake (it stays in the ledger, marked withdrawn)",
      request: { params: RecordParams },
      responses: { 200: jsonResponse(ConsentLedgerEntry, "The withdrawn grant"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { patientId, recordId } = c.req.valid("param");
      const patient = await patientOf(c, patientId);
      const entry = await withdrawConsent(c.var.db, c.var.tenantId, patient, recordId);
      if (!entry) throw new HttpError(404, "Consent record not found");
      await recordAudit(scopeOf(c), "consent.withdrawn", recordId, { patientId: patient.id });
      return c.json(entry, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/patients/{patientId}/consent/revoke", tags, security, operationId: "revokeConsent",
      summary: "Record a revocation the patient made by other means than a text",
      description:
        "FCC 24-24: a patient may revoke consent by any reasonable means. Honored at once for calls and texts: the number is opted out as a STOP text " +
        "opts it out, and every later attempt is refused (`opted_out`). Announced as `patient.opted_out` (source `api`). Revoking again changes nothing.",
      request: { params: Params, body: jsonBody(ConsentRevoke) },
      responses: { 200: jsonResponse(PatientConsent, "The consent record"), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const patient = await patientOf(c, c.req.valid("param").patientId);
      const { source } = c.req.valid("json");
      if (await revokeConsent(c.env, c.var.db, c.var.tenantId, patient, source)) {
        await recordAudit(scopeOf(c), "consent.revoked", patient.id, { means: source });
      }
      return c.json(await patientConsent(c.var.db, c.var.tenantId, patient), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/patients/{patientId}/consent/restore", tags, security, operationId: "restoreConsent",
      summary: "End the number's opt-out on the patient's own word",
      description: "When the patient asks to be contacted again by other means than texting START. Audited with how they said so.",
      request: { params: Params, body: jsonBody(ConsentRestore) },
      responses: { 200: jsonResponse(PatientConsent, "The consent record"), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const patient = await patientOf(c, c.req.valid("param").patientId);
      const { source } = c.req.valid("json");
      if (await restoreConsent(c.var.db, c.var.tenantId, patient, source)) {
        await recordAudit(scopeOf(c), "consent.restored", patient.id, { means: source });
      }
      return c.json(await patientConsent(c.var.db, c.var.tenantId, patient), 200);
    },
  );
}

/** GET /patients/{patientId}/contacts: every call and text, the policy's decision on each, and the counters the caps use. */
export function registerContactHistoryRoute(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/patients/{patientId}/contacts", tags, security, operationId: "listPatientContacts",
      summary: "The patient's contact history: every call and text, the contact policy's decision and reason, and the caps' counters",
      description:
        "Newest first, paginated like every list. `counters` is what the caps read before each contact: the contacts made through real vendors in the " +
        "last 7 days (simulator contacts reach no one and are not counted), the health-care exemption's use of its 1-a-day and 3-a-week caps, and contacts per subject in 24 hours.",
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(PatientContacts, "The history"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const patient = await patientOf(c, c.req.valid("param").patientId);
      const query = c.req.valid("query");
      const { total, ...history } = await patientContacts(c.var.db.$client, c.var.tenantId, patient, { limit: query.size, offset: offsetOf(query.start) });
      return c.json({ ...history, pagination: pagination(query, history.data.length, total) }, 200);
    },
  );
}
