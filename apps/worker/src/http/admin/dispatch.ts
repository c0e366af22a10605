import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { pathId, tables } from "@switchboard/schemas";
import { tenantDispatcher } from "../../objects/stubs";
import type { App } from "../context";
import { HttpError } from "../errors";
import { adminSecurity, errorResponses, jsonResponse } from "../openapi/helpers";

const TenantLines = z
  .object({
    limit: z.number().int().openapi({ description: "The tenant's concurrency limit" }),
    live: z.array(z.string()).openapi({ description: "Calls holding a line now" }),
    waiting: z.number().int().openapi({ description: "Calls waiting for a line (first attempts and retries)" }),
  })
  .openapi("TenantLines");

/** What an operator needs to see of a tenant's lines: which calls hold them, how many wait. */
export function registerDispatchRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}/lines", tags: ["Admin"], security: adminSecurity, operationId: "getTenantLines",
      summary: "The tenant's lines: calls holding one, calls waiting for one",
      request: { params: z.object({ tenantId: pathId("tenantId") }) },
      responses: { 200: jsonResponse(TenantLines, "The tenant's lines"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const tenant = await c.var.db.select({ id: tables.tenants.id }).from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
      if (!tenant) throw new HttpError(404, "Tenant not found");
      return c.json(await tenantDispatcher(c.env, tenantId).lines(tenantId), 200);
    },
  );
}
