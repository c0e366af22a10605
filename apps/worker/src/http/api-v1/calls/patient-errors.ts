import type { z } from "zod";
import { UUID_EXPECTED_FORMAT } from "@switchboard/schemas";
import type { PatientProblem } from "../../../errors";

/** The Calls API's per-patient validation error body (400). */
export interface PatientValidationBody {
  statusCode: 400;
  message: string;
  errors: PatientProblem[];
  /** Ids of patients without a phone number, when that is what failed. */
  missingPhoneNumbers?: string[];
}

const EXPECTED_FORMAT: Record<string, string> = {
  patientId: UUID_EXPECTED_FORMAT,
  extended: 'Object (e.g., {"appointment": {"name": "General Check Up"}})',
  patient: 'Object (e.g., {"patientId": "22222222-2222-2222-2222-222222222222"})',
};

/** Groups zod issues under `patients[i]` into the documented shape; null when none are per-patient. */
export function patientErrorsFromIssues(issues: readonly z.core.$ZodIssue[], rawBody: unknown): PatientValidationBody | null {
  const rawPatients = isObject(rawBody) && Array.isArray(rawBody.patients) ? rawBody.patients : [];
  const byIndex = new Map<number, PatientProblem>();
  for (const issue of issues) {
    const [root, index, field] = issue.path;
    if (root !== "patients" || typeof index !== "number") continue;
    const raw: unknown = rawPatients[index];
    const fieldName = typeof field === "string" ? field : "patient";
    const entry = byIndex.get(index) ?? {
      index,
      patientId: isObject(raw) ? (raw.patientId ?? null) : null,
      failedObject: raw ?? null,
      errors: [],
    };
    entry.errors.push({
      field: fieldName,
      message: fieldName === "patient" ? "each patient must be an object with a patientId" : issue.message,
      expectedFormat: EXPECTED_FORMAT[fieldName] ?? "See the API reference",
      receivedValue: fieldName === "patient" ? (raw ?? null) : isObject(raw) ? (raw[fieldName] ?? null) : null,
    });
    byIndex.set(index, entry);
  }
  if (byIndex.size === 0) return null;
  return {
    statusCode: 400,
    message: "Validation failed for one or more patients",
    errors: [...byIndex.values()].sort((a, b) => a.index - b.index),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
