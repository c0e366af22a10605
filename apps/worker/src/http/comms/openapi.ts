import { CommsErrorDetail, HTTPValidationError } from "@switchboard/schemas";
import type { App } from "../context";

/** /comms requests carry both headers, as the platform documents them. */
export const commsSecurity: Record<string, string[]>[] = [{ ApiKeyHeader: [], TenantHeader: [] }];

const DESCRIPTIONS: Record<number, string> = {
  400: "The tenant is not set up for this request",
  401: "Missing or invalid API-KEY",
  403: "The TENANT header does not name the key's tenant",
  404: "Not found (or not yours)",
  409: "Conflicts with the patient's state (no phone number, opted out)",
  413: "Too large",
  415: "Unsupported media type",
  503: "Not available on this deployment",
};

/** Error responses in FastAPI's shapes: `{ detail }`, and 422 `{ detail: [{ loc, msg, type }] }`. */
export function commsErrorResponses(...statuses: number[]) {
  return {
    ...Object.fromEntries(
      statuses.map((status) => [status, { description: DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: CommsErrorDetail } } }]),
    ),
    422: { description: "Validation Error", content: { "application/json": { schema: HTTPValidationError } } },
  };
}

export function registerCommsSecurity(app: App) {
  app.openAPIRegistry.registerComponent("securitySchemes", "TenantHeader", {
    type: "apiKey",
    in: "header",
    name: "TENANT",
    description: "The tenant the request is made on behalf of: the API key's own tenant id.",
  });
}
