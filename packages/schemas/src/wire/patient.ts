import { z } from "@hono/zod-openapi";
import { UsStateCode } from "../policy/us-states";
import { PageQuery } from "./common";

const name = (field: string) => z.string().trim().min(1, `${field} is required`).max(200, `${field} is too long`);

export const PatientCreate = z
  .object({
    firstName: name("firstName"),
    lastName: name("lastName"),
    phoneNumber: z.string().max(40).nullish().openapi({ example: "+15555551234", description: "Any common format; stored as E.164" }),
    birthDate: z.iso.date("birthDate must be a date as YYYY-MM-DD").nullish(),
    email: z.email("email must be a valid email address").nullish(),
    timezone: z.string().max(64).nullish().openapi({ example: "America/New_York", description: "IANA time zone" }),
    state: UsStateCode.nullish().openapi({ description: "The US state (USPS code) the patient lives in, for state calling rules; without one the strictest state rule applies" }),
  })
  .openapi("PatientCreate");
export type PatientCreate = z.infer<typeof PatientCreate>;

export const PatientUpdate = PatientCreate.partial().openapi("PatientUpdate");
export type PatientUpdate = z.infer<typeof PatientUpdate>;

/** The patient as the Calls API embeds it. */
export const CallPatient = z
  .object({
    patient_id: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    birth_date: z.string().nullable(),
    email: z.string().nullable(),
    phone_number: z.string().nullable(),
  })
  .openapi("CallPatient");

export const Patient = CallPatient.extend({
  timezone: z.string().nullable(),
  state: UsStateCode.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Patient");
export type Patient = z.infer<typeof Patient>;

export const PatientListQuery = PageQuery.extend({
  q: z
    .string()
    .trim()
    .min(1, "q must not be empty")
    .max(100, "q must be at most 100 characters")
    .optional()
    .openapi({
      description: "Search: patients whose name (\"first last\"), email or phone number contains it (case-insensitive for ASCII letters; phone numbers by their digits)",
      example: "lopez",
    }),
});
