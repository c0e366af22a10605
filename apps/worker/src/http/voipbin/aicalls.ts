import { createRoute, z } from "@hono/zod-openapi";
import { desc, lte } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { getAgent } from "../../agents/store";
import { getPatient } from "../../patients/store";
import { jsonBody, jsonResponse } from "../openapi/helpers";
import { scopeOf, type App } from "../context";
import { callQuota } from "../middleware/rate-limit";
import { auditRead } from "../audit-reads";
import { hangUpCall } from "../../calls/hang-up";
import { placeOneCall } from "../../calls/place";
import { getCallView, listCallViews } from "../../calls/read-model";
import { findCallView } from "../../lifecycle/archived-calls";
import { VoipbinError } from "./errors";
import { voipbinErrorResponses, voipbinSecurity as security, voipbinTags as tags } from "./openapi";
import { VoipbinAicall, VoipbinAicallCreate, VoipbinAicallList } from "./schema";
import { toAicall } from "./serialize";
import { decodeCursor, encodeCursor } from "./time";

const { calls } = tables;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** VoIPbin's page size: default and ceiling 100; anything outside 1..100 is taken as 100, as VoIPbin does. */
const MAX_PAGE_SIZE = 100;

const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "a1b2c3d4-e5f6-7890-abcd-ef1234567890" }) });
const ListQuery = z.object({
  page_size: z.coerce.number().int().optional().openapi({ param: { name: "page_size", in: "query" }, example: 25 }),
  page_token: z.string().optional().openapi({ param: { name: "page_token", in: "query" }, description: "next_page_token of the previous page" }),
});
const aicallNotFound = () => new VoipbinError(404, "AICALL_NOT_FOUND", "The AI call does not exist.");

export function registerAicalls(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/aicalls", operationId: "voipbinListAicalls", tags, security,
      summary: "List AI calls, newest first (VoIPbin's GET /v1.0/aicalls)",
      description: "Every call of the tenant, whichever API placed it, as AIcalls.",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(VoipbinAicallList, "A page of AI calls"), ...voipbinErrorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const size = query.page_size !== undefined && query.page_size >= 1 && query.page_size <= MAX_PAGE_SIZE ? query.page_size : MAX_PAGE_SIZE;
      const cursor = query.page_token ? decodeCursor(query.page_token) : null;
      if (query.page_token && !cursor) throw new VoipbinError(400, "INVALID_ARGUMENT", "The page_token is not a next_page_token of this list.");
      // Newest first, from the cursor's millisecond on, skipping what that millisecond already gave.
      const views = await listCallViews(c.var.db, c.var.tenantId, {
        where: cursor ? lte(calls.createdAt, cursor.at) : undefined,
        orderBy: [desc(calls.createdAt), desc(calls.id)],
        limit: size + 1,
        offset: cursor?.seen ?? 0,
      });
      const page = views.slice(0, size);
      let next = "";
      if (views.length > size) {
        const at = page[page.length - 1]!.call.createdAt;
        const atLast = page.filter((v) => v.call.createdAt === at).length;
        next = encodeCursor({ at, seen: cursor?.at === at ? cursor.seen + atLast : atLast });
      }
      await auditRead(c, "call.read", page.map((v) => v.call.id), { list: true });
      return c.json({ result: page.map(toAicall), next_page_token: next }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/aicalls/{id}", operationId: "voipbinGetAicall", tags, security,
      summary: "Get an AI call (VoIPbin's GET /v1.0/aicalls/{id})",
      request: { params: IdParam },
      responses: { 200: jsonResponse(VoipbinAicall, "The AI call"), ...voipbinErrorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!GUID.test(id)) throw new VoipbinError(400, "INVALID_ID", "The provided id is not a valid UUID.");
      const view = await findCallView(c.var.db, c.env.FILES, c.var.tenantId, id);
      if (!view) throw aicallNotFound();
      await auditRead(c, "call.read", [view.call.id]);
      return c.json(toAicall(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/aicalls", operationId: "voipbinCreateAicall", tags, security,
      middleware: [callQuota(() => 1)] as const,
      summary: "Start an AI call (VoIPbin's POST /v1.0/aicalls)",
      description:
        "`assistance_type: ai` with the id of a Switchboard agent, and `reference_type: call` with the id of the patient to call. The call is placed at once, " +
        "unless the contact policy defers it (it stays `initiating` until its time) or refuses it: 409 with the reason (`REFERENCE_OPTED_OUT`, " +
        "`REFERENCE_ON_DO_NOT_CALL_LIST`, `CONSENT_REQUIRED`, `PURPOSE_NOT_ALLOWED`, `NO_CALLING_WINDOW`).",
      request: { body: jsonBody(VoipbinAicallCreate) },
      responses: { 200: jsonResponse(VoipbinAicall, "The AI call"), ...voipbinErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { db, tenantId } = c.var;
      if (body.assistance_type !== "ai") throw new VoipbinError(400, "INVALID_ARGUMENT", 'assistance_type must be "ai": AI teams are not supported.');
      if (body.reference_type !== "call") throw new VoipbinError(400, "INVALID_ARGUMENT", 'reference_type must be "call".');
      if (!GUID.test(body.assistance_id) || !GUID.test(body.reference_id)) throw new VoipbinError(400, "INVALID_ID", "The provided id is not a valid UUID.");
      const agent = await getAgent(db, tenantId, body.assistance_id);
      if (!agent) throw new VoipbinError(404, "AI_NOT_FOUND", "The AI configuration does not exist.");
      const patient = await getPatient(db, tenantId, body.reference_id);
      if (!patient) throw new VoipbinError(404, "RESOURCE_NOT_FOUND", "The referenced patient does not exist.");
      if (!patient.phoneNumber) throw new VoipbinError(400, "INVALID_ARGUMENT", "The referenced patient has no phone number.");
      // Any contact-policy refusal fails the request in VoIPbin's terms (voipbin/errors.ts, VOIPBIN_MAPPING.refusals).
      const view = await placeOneCall(scopeOf(c), { patients: [{ patientId: patient.id }], agentId: agent.id, recording: true }, { refuse: () => true, wait: true });
      return c.json(toAicall(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/aicalls/{id}/terminate", operationId: "voipbinTerminateAicall", tags, security,
      summary: "Terminate an AI call (VoIPbin's POST /v1.0/aicalls/{id}/terminate)",
      description:
        "Hangs the call up if it is being placed or on the line; concurrent requests resolve to one hangup. A call that has already ended (or is ending) answers as it is, as VoIPbin does; one still waiting to be dialed answers 409.",
      request: { params: IdParam },
      responses: { 200: jsonResponse(VoipbinAicall, "The AI call"), ...voipbinErrorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!GUID.test(id)) throw new VoipbinError(400, "INVALID_REQUEST_PARAMETER", 'The parameter "id" has an invalid format.');
      const result = await hangUpCall(scopeOf(c), id);
      const view = result === "not-found" ? null : await getCallView(c.var.db, c.var.tenantId, id);
      if (!view) throw aicallNotFound();
      const aicall = toAicall(view);
      if (result === "not-hangable" && aicall.status !== "terminated" && aicall.status !== "terminating") {
        throw new VoipbinError(409, "AICALL_STATE_INVALID", `The AI call cannot be terminated while ${view.call.status}.`);
      }
      return c.json(aicall, 200);
    },
  );
}
