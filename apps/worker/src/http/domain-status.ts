import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "../errors";

/** The HTTP status of each domain error code; surfaces whose published API says otherwise override it in their errors.ts. */
export const DOMAIN_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  AGENT_NOT_FOUND: 404,
  PATIENT_NOT_FOUND: 404,
  CHAT_NOT_FOUND: 404,
  SENDER_NOT_FOUND: 404,
  QUOTED_MESSAGE_NOT_FOUND: 404,
  INVALID_INPUT: 400,
  PATIENTS_INVALID: 400,
  PROVIDER_NOT_CONFIGURED: 400,
  PATIENT_NO_PHONE: 409,
  PATIENT_OPTED_OUT: 409,
  CONTACT_REFUSED: 409,
  CAMPAIGN_CANCELED: 409,
  PATIENT_HAS_LIVE_CALLS: 409,
  ATTACHMENTS_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 415,
  ATTACHMENTS_UNAVAILABLE: 503,
  SECRETS_UNAVAILABLE: 503,
  CAMPAIGN_CANCEL_PENDING: 503,
};
