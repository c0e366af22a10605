import { jsonResponse } from "../openapi/helpers";
import { VoipbinErrorResponse } from "./schema";

export const voipbinSecurity: Record<string, string[]>[] = [{ BearerAuth: [] }, { VoipbinAccessKey: [] }];
export const voipbinTags = ["VoIPbin-compatible AI calls"];

const DESCRIPTIONS: Record<number, string> = {
  400: "INVALID_ARGUMENT (reason INVALID_ID, INVALID_JSON_BODY, INVALID_REQUEST_PARAMETER, …)",
  401: "UNAUTHENTICATED (AUTHENTICATION_REQUIRED or INVALID_CREDENTIALS)",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "FAILED_PRECONDITION",
};

/** VoIPbin error responses of a route. */
export function voipbinErrorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, jsonResponse(VoipbinErrorResponse, DESCRIPTIONS[s] ?? "Error")]));
}
