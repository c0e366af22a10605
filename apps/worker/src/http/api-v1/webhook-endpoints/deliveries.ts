import { createRoute, z } from "@hono/zod-openapi";
import { PageQuery, WEBHOOK_DELIVERY_STATUSES, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryList, pathId } from "@switchboard/schemas";
import { auditQueries } from "../../../audit/record";
import { HttpError } from "../../errors";
import { offsetOf, pagination } from "../../../lib/pagination";
import { auditRead } from "../../audit-reads";
import { scopeOf, type App } from "../../context";
import { deliveryDetail, deliveryToWire, getDelivery, listDeliveries, requeueDelivery } from "../../../customer-webhooks/deliveries";
import { wake } from "../../../customer-webhooks/emit";
import { getEndpoint } from "../../../customer-webhooks/endpoints";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";
import { endpointNotFound } from "./endpoints";

const tags = ["Webhooks"];
const Params = z.object({ endpointId: pathId("endpointId") });
const DeliveryParams = Params.extend({ deliveryId: pathId("deliveryId") });
const DeliveryQuery = PageQuery.extend({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES, { error: `status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(", ")}` }).optional(),
});
const deliveryNotFound = () => new HttpError(404, "Delivery not found");

export function registerWebhookDeliveryRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/webhook-endpoints/{endpointId}/deliveries", operationId: "listWebhookDeliveries", tags, security,
      summary: "List an endpoint's deliveries, newest first (pending, succeeded and failed)",
      request: { params: Params, query: DeliveryQuery },
      responses: { 200: jsonResponse(WebhookDeliveryList, "A page of deliveries"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { endpointId } = c.req.valid("param");
      const query = c.req.valid("query");
      if (!(await getEndpoint(c.var.db, c.var.tenantId, endpointId))) throw endpointNotFound();
      const { rows, total } = await listDeliveries(c.var.db, endpointId, { status: query.status, limit: query.size, offset: offsetOf(query.start) });
      return c.json({ data: rows.map(deliveryToWire), pagination: pagination(query, rows.length, total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/webhook-endpoints/{endpointId}/deliveries/{deliveryId}", operationId: "getWebhookDelivery", tags, security,
      summary: "Get a delivery with its payload and every attempt",
      request: { params: DeliveryParams },
      responses: { 200: jsonResponse(WebhookDeliveryDetail, "The delivery"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { endpointId, deliveryId } = c.req.valid("param");
      if (!(await getEndpoint(c.var.db, c.var.tenantId, endpointId))) throw endpointNotFound();
      const row = await getDelivery(c.var.db, endpointId, deliveryId);
      if (!row) throw deliveryNotFound();
      const detail = await deliveryDetail(c.var.db, row);
      // The payload is the event as sent: a report, a patient's text.
      await auditRead(c, "webhook_delivery.read", [row.id], { endpointId });
      return c.json(detail, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/replay", operationId: "replayWebhookDelivery", tags, security,
      summary: "Send a delivery again (same webhook-id), from the start of the retry schedule",
      request: { params: DeliveryParams },
      responses: { 202: jsonResponse(WebhookDelivery, "Queued; it goes out at once, off this request"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { endpointId, deliveryId } = c.req.valid("param");
      const endpoint = await getEndpoint(c.var.db, c.var.tenantId, endpointId);
      if (!endpoint) throw endpointNotFound();
      if (!endpoint.enabled) throw new HttpError(409, "The endpoint is disabled: enable it before replaying");
      if (!(await getDelivery(c.var.db, endpointId, deliveryId))) throw deliveryNotFound();
      const audit = auditQueries(c.var.db, scopeOf(c), "webhook_delivery.replayed", deliveryId, { endpointId }, { onlyIfChanged: true });
      const row = await requeueDelivery(c.var.db, deliveryId, Date.now(), audit);
      if (!row) throw deliveryNotFound();
      await wake(c.env, endpointId);
      return c.json(deliveryToWire(row), 202);
    },
  );
}
