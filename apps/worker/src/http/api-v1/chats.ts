import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq } from "drizzle-orm";
import { Chat, ChatCreate, ChatList, ChatListQuery, CommsCallList, MessageList, PageQuery, pathId, tables } from "@switchboard/schemas";
import { callFilter, countCalls, listCallViews } from "../../calls/read-model";
import { chatForPatient, chatToWire, getChat } from "../../chats/store";
import { HttpError } from "../errors";
import { publicBaseUrl } from "../base-url";
import { offsetOf, pagination } from "../../lib/pagination";
import { hasSigningKey } from "../../messages/file-links";
import { listChatMessages } from "../../messages/store";
import { getPatient } from "../../patients/store";
import { auditRead } from "../audit-reads";
import type { App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";
import { callToComms } from "../wire/comms-call";
import { messagesToWire } from "../wire/comms-message";

const tags = ["Chats"];
const Params = z.object({ chatId: pathId("chatId") });
const notFound = () => new HttpError(404, "Chat not found");

/** A chat is the one thread between the tenant and a patient: its texts and its calls. */
export function registerChatRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/chats", operationId: "openChat", tags, security,
      summary: "The patient's chat: created (201) on first use, returned (200) after",
      request: { body: jsonBody(ChatCreate) },
      responses: {
        201: jsonResponse(Chat, "The new chat"),
        200: jsonResponse(Chat, "The patient's existing chat"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { patientId } = c.req.valid("json");
      const patient = await getPatient(c.var.db, c.var.tenantId, patientId);
      if (!patient) throw new HttpError(404, "Patient not found");
      const { chat, created } = await chatForPatient(c.var.db, c.var.tenantId, patient.id);
      const wire = await chatToWire(c.var.db, chat, patient);
      await auditRead(c, "chat.read", [chat.id], { patientId: patient.id });
      return created ? c.json(wire, 201) : c.json(wire, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/chats", operationId: "listChats", tags, security,
      summary: "List chats, newest first (`patient_id` finds a patient's chat without creating one)",
      request: { query: ChatListQuery },
      responses: { 200: jsonResponse(ChatList, "A page of chats"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { chats, patients } = tables;
      const where = and(eq(chats.tenantId, c.var.tenantId), query.patient_id ? eq(chats.patientId, query.patient_id) : undefined);
      const [rows, [totals]] = await Promise.all([
        c.var.db
          .select({ chat: chats, patient: patients })
          .from(chats)
          .leftJoin(patients, and(eq(patients.id, chats.patientId), eq(patients.tenantId, chats.tenantId)))
          .where(where)
          .orderBy(desc(chats.createdAt), desc(chats.id))
          .limit(query.size)
          .offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(chats).where(where),
      ]);
      const data = await Promise.all(rows.map(({ chat, patient }) => chatToWire(c.var.db, chat, patient ?? undefined)));
      return c.json({ data, pagination: pagination(query, data.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/chats/{chatId}", operationId: "getChat", tags, security, summary: "Get a chat",
      request: { params: Params },
      responses: { 200: jsonResponse(Chat, "The chat"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      const wire = await chatToWire(c.var.db, chat, await getPatient(c.var.db, c.var.tenantId, chat.patientId));
      await auditRead(c, "chat.read", [chat.id], { patientId: chat.patientId });
      return c.json(wire, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/chats/{chatId}/messages", operationId: "listChatMessages", tags, security,
      summary: "A chat's messages (sent and received), newest first",
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(MessageList, "A page of messages"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      const page = await listChatMessages(c.var.db, chat.id, query);
      const signer = hasSigningKey(c.env) ? { baseUrl: publicBaseUrl(c.env, c.req.url), secret: c.env.FILES_SIGNING_KEY!, issuedTo: c.var.apiKeyId } : null;
      const data = await messagesToWire(c.var.db, c.var.tenantId, page.rows, signer);
      await auditRead(c, "message.read", page.rows.map((r) => r.id), { chatId: chat.id });
      return c.json({ data, pagination: pagination(query, data.length, page.total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/chats/{chatId}/calls", operationId: "listChatCalls", tags, security,
      summary: "The calls to the chat's patient, newest first, as /comms Call objects",
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(CommsCallList, "A page of calls"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      const where = callFilter({ patientId: chat.patientId });
      const { calls } = tables;
      const [views, total] = await Promise.all([
        listCallViews(c.var.db, c.var.tenantId, { where, orderBy: [desc(calls.createdAt), desc(calls.id)], limit: query.size, offset: offsetOf(query.start) }),
        countCalls(c.var.db, c.var.tenantId, where),
      ]);
      const data = views.map((view) => callToComms(view, chat.id));
      await auditRead(c, "call.read", views.map((v) => v.call.id), { chatId: chat.id });
      return c.json({ data, pagination: pagination(query, data.length, total) }, 200);
    },
  );
}
