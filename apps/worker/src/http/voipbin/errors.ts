import type { Context } from "hono";
import type { AppEnv } from "../context";
import { DOMAIN_STATUS } from "../domain-status";
import { HttpError, type SurfaceErrors } from "../errors";
import type { HookResult } from "../validation";
import { describeIssues } from "../../lib/issues";
import type { RefuseReason } from "@switchboard/schemas";
import { presentedVoipbinKey } from "./auth";
import { VOIPBIN_MAPPING } from "./mapping";
import { VOIPBIN_ERROR_STATUSES, type VoipbinHttpStatus } from "./schema";

/** VoIPbin's error: `{ error: { status, reason, message, request_id } }`, status and HTTP code 1:1. */
export class VoipbinError extends HttpError {
  constructor(
    status: VoipbinHttpStatus,
    readonly reason: string,
    message: string,
  ) {
    super(status, message);
  }
}

/** Validation hook for VoIPbin routes, with the reasons VoIPbin's binding layer uses. */
export function voipbinHook(result: HookResult): undefined {
  if (result.success) return undefined;
  const first = result.error.issues[0]?.path[0];
  if (result.target === "param") throw new VoipbinError(400, "INVALID_ID", "The provided id is not a valid UUID.");
  if (result.target === "query") throw new VoipbinError(400, "INVALID_REQUEST_PARAMETER", `The parameter "${String(first)}" has an invalid format.`);
  throw new VoipbinError(400, "INVALID_ARGUMENT", `Invalid request body: ${describeIssues(result.error.issues)}`);
}

/** VoIPbin's reason for each status it shares with ours (its status set has no 413 or 415: those are 400s). */
function byStatus(c: Context<AppEnv>, status: number, message: string): Response {
  switch (status) {
    case 401:
      return presentedVoipbinKey(c)
        ? render(c, 401, "INVALID_CREDENTIALS", "The supplied token or access key is invalid.")
        : render(c, 401, "AUTHENTICATION_REQUIRED", "Authentication is required.");
    case 403:
      return render(c, 403, "PERMISSION_DENIED", message);
    case 404:
      return render(c, 404, "RESOURCE_NOT_FOUND", message);
    case 409:
      return render(c, 409, "STATE_INVALID", message);
    case 413:
      return render(c, 400, "REQUEST_BODY_TOO_LARGE", message);
    case 429:
      // VoIPbin's RESOURCE_EXHAUSTED; the tenant's rate limit or calls-per-minute budget.
      return render(c, 429, "RATE_LIMIT_EXCEEDED", message);
    default:
      return status < 500 ? render(c, 400, "INVALID_ARGUMENT", message) : render(c, 503, "UNAVAILABLE", message);
  }
}

export const voipbinErrors: SurfaceErrors = {
  domain: (c, err) => {
    const refusal = err.code === "CONTACT_REFUSED" ? VOIPBIN_MAPPING.refusals[err.details.policy?.reason as RefuseReason] : undefined;
    if (refusal) return render(c, 409, refusal, err.message);
    return byStatus(c, DOMAIN_STATUS[err.code], err.message);
  },
  http(c, err) {
    if (err instanceof VoipbinError) return render(c, err.status as VoipbinHttpStatus, err.reason, err.message);
    if (err instanceof HttpError) return byStatus(c, err.status, err.message);
    // Hono's own: an unreadable JSON body (400) or, from zod-openapi's media-type gate, a body that is not JSON (415).
    if (err.status === 400) return render(c, 400, "INVALID_JSON_BODY", "The request body is not valid JSON.");
    if (err.status === 415) return render(c, 400, "UNSUPPORTED_MEDIA_TYPE", "The request body must be application/json.");
    return byStatus(c, err.status, err.message);
  },
  internal: (c) => render(c, 500, "INTERNAL", "An internal error occurred."),
};

export function voipbinNotFound(c: Context<AppEnv>): Response {
  return render(c, 404, "ROUTE_NOT_FOUND", "The requested route does not exist.");
}

function render(c: Context<AppEnv>, status: VoipbinHttpStatus, reason: string, message: string): Response {
  return c.json({ error: { status: VOIPBIN_ERROR_STATUSES[status], reason, message, request_id: c.get("requestId") ?? "" } }, status);
}
