import { z } from "@hono/zod-openapi";

/** USPS codes for the states, DC and the inhabited territories (where a patient can live). */
export const US_STATE_CODES = [
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
  "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
  "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
  "DC", "AS", "GU", "MP", "PR", "VI",
] as const;

export const UsStateCode = z
  .enum(US_STATE_CODES, { error: "state must be a two-letter USPS code in capitals, such as FL" })
  .openapi("UsStateCode", { example: "FL" });
export type UsStateCode = z.infer<typeof UsStateCode>;
