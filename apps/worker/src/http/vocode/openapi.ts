import { jsonResponse } from "../openapi/helpers";
import { VocodeHttpError, VocodeValidationError } from "./schema";

export const vocodeSecurity: Record<string, string[]>[] = [{ BearerAuth: [] }];
export const vocodeTags = ["Vocode-compatible calls"];
/** Errors every Vocode route may answer. */
export const vocodeErrorResponses = {
  401: jsonResponse(VocodeHttpError, "Missing or invalid API key"),
  403: jsonResponse(VocodeHttpError, "The TENANT header does not match the key"),
  422: jsonResponse(VocodeValidationError, "Validation error"),
};
