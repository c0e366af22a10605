import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../errors";
import type { AppEnv } from "../context";
import type { HookResult } from "../hook";
import { describeIssues } from "../validation";
import { presentedVoipbinKey } from "./auth";
import { VOIPBIN_ERROR_STATUSES, type VoipbinHttpStatus } from "./schema";
import { errorSummary } from "../../lib/log-safe";

/** VoIPbin's error: `{ error: { status, reason, message, request_id } }`, status and HTTP code 1:1. */
export class VoipbinError extends ApiError {
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

export function voipbinOnError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof VoipbinError) return render(c, err.status as VoipbinHttpStatus, err.reason, err.message);
  if (err instanceof ApiError) {
    // The shared auth middleware, the body limit, and the core's own refusals.
    switch (err.status) {
      case 401:
        return presentedVoipbinKey(c)
          ? render(c, 401, "INVALID_CREDENTIALS", "The supplied token or access key is invalid.")
          : render(c, 401, "AUTHENTICATION_REQUIRED", "Authentication is required.");
      case 403:
        return render(c, 403, "PERMISSION_DENIED", err.message);
      case 404:
        return render(c, 404, "RESOURCE_NOT_FOUND", err.message);
      case 409:
        return render(c, 409, "STATE_INVALID", err.message);
      case 413:
        return render(c, 400, "REQUEST_BODY_TOO_LARGE", err.message);
      default:
        if (err.status < 500) return render(c, 400, "INVALID_ARGUMENT", err.message);
    }
  }
  if (err instanceof HTTPException && err.status === 400) return render(c, 400, "INVALID_JSON_BODY", "The request body is not valid JSON.");
  // zod-openapi's media-type gate throws a bare 415 for a body that is not JSON (text/plain, a form):
  // VoIPbin's status set has no 415, so it is a 400 like the body limit's 413 above, not an INTERNAL.
  if (err instanceof HTTPException && err.status === 415) return render(c, 400, "UNSUPPORTED_MEDIA_TYPE", "The request body must be application/json.");
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: errorSummary(err) }));
  return render(c, 500, "INTERNAL", "An internal error occurred.");
}

export function voipbinNotFound(c: Context<AppEnv>): Response {
  return render(c, 404, "ROUTE_NOT_FOUND", "The requested route does not exist.");
}

function render(c: Context<AppEnv>, status: VoipbinHttpStatus, reason: string, message: string): Response {
  return c.json({ error: { status: VOIPBIN_ERROR_STATUSES[status], reason, message, request_id: c.get("requestId") ?? "" } }, status);
}
