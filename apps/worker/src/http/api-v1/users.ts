import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { PageQuery, pathId, tables, UserCreate, UserList, UserTiny, UserUpdate } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { toE164 } from "../../lib/phone";
import { scopeOf, type App } from "../context";
import { getStaffUser, staffUserToWire } from "../../users/store";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Users"];
const Params = z.object({ userId: pathId("userId") });
const notFound = () => new HttpError(404, "User not found");
const { staffUsers } = tables;

function phone(value: string | null | undefined): string | null | undefined {
  if (typeof value !== "string") return value;
  const e164 = toE164(value);
  if (!e164) throw new HttpError(400, "phoneNumber must be a valid phone number (E.164, e.g. +15555551234)");
  return e164;
}

/** Clinic staff: the senders of /comms messages. */
export function registerUserRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/users", operationId: "createUser", tags, security, summary: "Create a staff user (type PROVIDER unless given)",
      request: { body: jsonBody(UserCreate) },
      responses: { 201: jsonResponse(UserTiny, "The user"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const now = Date.now();
      const id = crypto.randomUUID();
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
        .insert(staffUsers)
        .values({
          id,
          tenantId: c.var.tenantId,
          type: body.type,
          firstName: body.firstName,
          lastName: body.lastName,
          email: body.email ?? null,
          phoneNumber: phone(body.phoneNumber) ?? null,
          locationId: body.locationId ?? null,
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        })
        .returning(),
        ...auditQueries(db, scopeOf(c), "user.created", id),
      ]);
      return c.json(staffUserToWire(row!), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/users", operationId: "listUsers", tags, security, summary: "List staff users, newest first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(UserList, "A page of users"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const mine = and(eq(staffUsers.tenantId, c.var.tenantId), isNull(staffUsers.deletedAt));
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(staffUsers).where(mine)
          .orderBy(desc(staffUsers.createdAt), desc(staffUsers.id))
          .limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(staffUsers).where(mine),
      ]);
      return c.json({ data: rows.map(staffUserToWire), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/users/{userId}", operationId: "getUser", tags, security, summary: "Get a staff user",
      request: { params: Params },
      responses: { 200: jsonResponse(UserTiny, "The user"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const row = await getStaffUser(c.var.db, c.var.tenantId, c.req.valid("param").userId);
      if (!row) throw notFound();
      return c.json(staffUserToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/users/{userId}", operationId: "updateUser", tags, security, summary: "Update a staff user",
      request: { params: Params, body: jsonBody(UserUpdate) },
      responses: { 200: jsonResponse(UserTiny, "The updated user"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const body = c.req.valid("json");
      const changes = Object.fromEntries(
        Object.entries({ ...body, phoneNumber: phone(body.phoneNumber) }).filter(([, v]) => v !== undefined),
      );
      const where = and(eq(staffUsers.id, userId), eq(staffUsers.tenantId, c.var.tenantId), isNull(staffUsers.deletedAt));
      const { db } = c.var;
      const [[row]] = await db.batch([
        db.update(staffUsers).set({ ...changes, updatedAt: Date.now() }).where(where).returning(),
        ...auditQueries(db, scopeOf(c), "user.updated", userId, { fields: changedFields(body) }, { onlyIfChanged: true }),
      ]);
      if (!row) throw notFound();
      return c.json(staffUserToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/users/{userId}", operationId: "deleteUser", tags, security,
      summary: "Delete a staff user (messages they sent keep naming them)",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const now = Date.now();
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
          .update(staffUsers)
          .set({ deletedAt: now, updatedAt: now })
          .where(and(eq(staffUsers.id, userId), eq(staffUsers.tenantId, c.var.tenantId), isNull(staffUsers.deletedAt)))
          .returning({ id: staffUsers.id }),
        ...auditQueries(db, scopeOf(c), "user.deleted", userId, undefined, { onlyIfChanged: true }),
      ]);
      if (!row) throw notFound();
      return c.json({ id: row.id, deleted: true as const }, 200);
    },
  );
}
