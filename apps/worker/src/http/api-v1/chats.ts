import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq } from "drizzle-orm";
import { Chat, ChatCreate, CommsCallList, MessageList, PageQuery, pathId, tables } from "@switchboard/schemas";
import { chatForPatient, chatToWire, getChat } from "../../chats/store";
import { callToComms } from "../comms/serialize";
import { ApiError } from "../errors";
import { publicBaseUrl } from "../base-url";
import { offsetOf, pagination } from "../../lib/pagination";
import { listChatMessages, messagesToWire } from "../../messages/store";
import { getPatient } from "../../patients/store";
import type { App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Chats"];
const Params = z.object({ chatId: pathId("chatId") });
const notFound = () => new ApiError(404, "Chat not found");

/** A chat is the one thread between the tenant and a patient: its texts and its calls. */
export function registerChatRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/api/v1/chats", tags, security,
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
      if (!patient) throw new ApiError(404, "Patient not found");
      const { chat, created } = await chatForPatient(c.var.db, c.var.tenantId, patient.id);
      const wire = await chatToWire(c.var.db, chat, patient);
      return created ? c.json(wire, 201) : c.json(wire, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/chats/{chatId}", tags, security, summary: "Get a chat",
      request: { params: Params },
      responses: { 200: jsonResponse(Chat, "The chat"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      return c.json(await chatToWire(c.var.db, chat, await getPatient(c.var.db, c.var.tenantId, chat.patientId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/chats/{chatId}/messages", tags, security,
      summary: "A chat's messages (sent and received), newest first",
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(MessageList, "A page of messages"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      const page = await listChatMessages(c.var.db, chat.id, query);
      const signer = c.env.FILES_SIGNING_KEY ? { baseUrl: publicBaseUrl(c.env, c.req.url), secret: c.env.FILES_SIGNING_KEY } : null;
      const data = await messagesToWire(c.var.db, c.var.tenantId, page.rows, signer);
      return c.json({ data, pagination: pagination(query, data.length, page.total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/chats/{chatId}/calls", tags, security,
      summary: "The calls to the chat's patient, newest first, as /comms Call objects",
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(CommsCallList, "A page of calls"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const chat = await getChat(c.var.db, c.var.tenantId, c.req.valid("param").chatId);
      if (!chat) throw notFound();
      const { calls, agents } = tables;
      const where = and(eq(calls.tenantId, c.var.tenantId), eq(calls.patientId, chat.patientId));
      const [rows, [totals], patient] = await Promise.all([
        c.var.db
          .select({ call: calls, agent: agents })
          .from(calls)
          .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.tenantId, calls.tenantId)))
          .where(where)
          .orderBy(desc(calls.createdAt), desc(calls.id))
          .limit(query.size)
          .offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(calls).where(where),
        getPatient(c.var.db, c.var.tenantId, chat.patientId),
      ]);
      const data = rows.map((r) => callToComms(r.call, chat.id, patient ?? null, r.agent));
      return c.json({ data, pagination: pagination(query, data.length, totals?.total ?? 0) }, 200);
    },
  );
}
