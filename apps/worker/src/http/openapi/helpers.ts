import type { z } from "@hono/zod-openapi";
import { ErrorEnvelope } from "@switchboard/schemas";

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "Credentials do not allow this",
  404: "Not found (or not yours)",
  409: "Conflicts with the object's current state",
  413: "Request body too large",
};

/** The documented error responses of a route, all in the /api/v1 envelope. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: ErrorEnvelope } } },
    ]),
  );
}

export function jsonBody<T extends z.ZodType>(schema: T, description = "JSON body") {
  return { required: true as const, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** Any one of these authenticates a tenant's request. */
export const apiKeySecurity: Record<string, string[]>[] = [{ ApiKeyAuth: [] }, { ApiKeyHeader: [] }, { BearerAuth: [] }];
export const adminSecurity: Record<string, string[]>[] = [{ AdminToken: [] }];
