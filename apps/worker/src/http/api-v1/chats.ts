import { createRoute, z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { Chat, ChatCreate, CommsCallList, MessageList, PageQuery, pathId, tables } from "@switchboard/schemas";
import { callFilter, countCalls, listCallViews } from "../../calls/read-model";
import { chatForPatient, chatToWire, getChat } from "../../chats/store";
import { HttpError } from "../errors";
import { publicBaseUrl } from "../base-url";
import { offsetOf, pagination } from "../../lib/pagination";
import { listChatMessages } from "../../messages/store";
import { getPatient } from "../../patients/store";
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
      return created ? c.json(wire, 201) : c.json(wire, 200);
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
      return c.json(await chatToWire(c.var.db, chat, await getPatient(c.var.db, c.var.tenantId, chat.patientId)), 200);
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
      const signer = c.env.FILES_SIGNING_KEY ? { baseUrl: publicBaseUrl(c.env, c.req.url), secret: c.env.FILES_SIGNING_KEY } : null;
      const data = await messagesToWire(c.var.db, c.var.tenantId, page.rows, signer);
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
      return c.json({ data, pagination: pagination(query, data.length, total) }, 200);
    },
  );
}
