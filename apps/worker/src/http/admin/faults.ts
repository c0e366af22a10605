import { createRoute, z } from "@hono/zod-openapi";
import { faultReport, faultsAllowed, resetDials, setFaults, type FaultRule } from "../../lib/faults";
import type { App } from "../context";
import { HttpError } from "../errors";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Admin"];

const FaultRuleSchema = z
  .object({
    site: z.enum(["d1", "simulator", "call.restart.placing", "call.restart.committed", "call.effects"]),
    effect: z.enum(["error", "error-after", "stall", "status-5xx", "duplicate", "reorder", "restart"]),
    match: z.string().max(500).optional().openapi({ description: "d1: a substring of the SQL; others: a call id" }),
    probability: z.number().min(0).max(1).optional(),
    times: z.number().int().min(0).optional(),
    ms: z.number().int().min(0).max(600_000).optional().openapi({ description: "stall: how long" }),
  })
  .openapi("FaultRule");

const FaultSettings = z.object({ rules: z.array(FaultRuleSchema).max(50), resetDials: z.boolean().optional() }).openapi("FaultSettings");

const FaultReport = z
  .object({
    rules: z.array(FaultRuleSchema.extend({ fired: z.number().int() })),
    dials: z.record(z.string(), z.number().int()).openapi({ description: "Dials the simulator received, by `callId#attempt`" }),
  })
  .openapi("FaultReport");

const description =
  "Fault injection for the soak and local experiments. Development and test deployments only: production answers 404 as for any unknown route, and never consults the rules.";

/** The development-only fault injection routes (lib/faults.ts). */
export function registerFaultRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "put", path: "/faults", tags, security: adminSecurity, operationId: "setFaults",
      summary: "Set the injected faults (development and test only)", description,
      request: { body: jsonBody(FaultSettings) },
      responses: { 200: jsonResponse(FaultReport, "The rules now in force"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      if (!faultsAllowed(c.env)) throw notFound(c.req.method, c.req.path);
      const body = c.req.valid("json");
      setFaults(body.rules as FaultRule[]);
      if (body.resetDials) resetDials();
      return c.json(faultReport(), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/faults", tags, security: adminSecurity, operationId: "getFaults",
      summary: "The injected faults, how often each fired, and the simulator's dials (development and test only)", description,
      responses: { 200: jsonResponse(FaultReport, "Rules and dials"), ...errorResponses(401, 404) },
    }),
    (c) => {
      if (!faultsAllowed(c.env)) throw notFound(c.req.method, c.req.path);
      return c.json(faultReport(), 200);
    },
  );
}

/** What production answers: the same 404 as any route it does not have. */
function notFound(method: string, path: string) {
  return new HttpError(404, `No route for ${method} ${path}`);
}
