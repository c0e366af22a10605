/**
 * What a use case refuses, by code. Use cases throw a DomainError and know nothing of HTTP; each
 * surface maps codes to its own status and envelope in one file (http/<surface>/errors.ts, with the
 * shared default statuses in http/domain-status.ts).
 */
export type ErrorCode =
  // a request names something the tenant does not have
  | "AGENT_NOT_FOUND"
  | "PATIENT_NOT_FOUND"
  | "CHAT_NOT_FOUND"
  | "SENDER_NOT_FOUND"
  | "QUOTED_MESSAGE_NOT_FOUND"
  // the request is well-formed but cannot be done as asked
  | "INVALID_INPUT"
  | "PATIENTS_INVALID"
  | "PROVIDER_NOT_CONFIGURED"
  | "PATIENT_NO_PHONE"
  | "PATIENT_OPTED_OUT"
  // the contact policy refuses the contact (opted out, do-not-call, no consent, ...); details.policy says which rule
  | "CONTACT_REFUSED"
  // the object's state forbids it (a canceled campaign cannot be paused)
  | "CAMPAIGN_CANCELED"
  // the patient still has calls on a line: erase once they end
  | "PATIENT_HAS_LIVE_CALLS"
  | "ATTACHMENTS_TOO_LARGE"
  | "UNSUPPORTED_FILE_TYPE"
  // the deployment lacks a secret the request needs
  | "ATTACHMENTS_UNAVAILABLE"
  | "SECRETS_UNAVAILABLE"
  // done in part; the platform finishes the rest by itself
  | "CAMPAIGN_CANCEL_PENDING";

/** One patient of a create request that cannot be called, in the Calls API's documented terms. */
export interface PatientProblem {
  index: number;
  patientId: unknown;
  failedObject: unknown;
  errors: { field: string; message: string; expectedFormat: string; receivedValue: unknown }[];
}

export interface ErrorDetails {
  /** The input field at fault, as a path inside the request body (e.g. ["files", 2]). */
  field?: (string | number)[];
  /** PATIENTS_INVALID: each patient that cannot be called, and why. */
  patients?: PatientProblem[];
  /** PATIENTS_INVALID: ids of patients without a phone number, when that is what failed. */
  missingPhoneNumbers?: string[];
  /** CONTACT_REFUSED: the policy's reason code (the first rule that refused) and every rule that did. */
  policy?: { reason: string; reasons: string[] };
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}
