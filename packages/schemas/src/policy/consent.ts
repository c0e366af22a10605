import { z } from "@hono/zod-openapi";
import type { ConsentNeeded } from "./purposes";

export const CONSENT_BASES = ["prior_express_consent", "prior_express_written_consent"] as const;
export const CONSENT_SCOPES = ["calls", "texts"] as const;

/** One grant of consent from the ledger. Written consent also counts where plain consent is enough. */
export const ConsentRecord = z
  .object({
    basis: z.enum(CONSENT_BASES, { error: `basis must be one of ${CONSENT_BASES.join(", ")}` }),
    source: z.string().trim().min(1, "source is required").max(200).openapi({ example: "intake_form" }),
    at: z.number().int().nonnegative().openapi({ description: "When consent was given, epoch ms" }),
    evidence: z.string().trim().min(1, "evidence is required").max(2_000).openapi({ description: "Where the proof is kept: a form id, a signed document's URL, a recording" }),
    scope: z
      .array(z.enum(CONSENT_SCOPES, { error: "scope entries must be calls or texts" }))
      .min(1, "scope must name calls, texts or both")
      .refine((scope) => new Set(scope).size === scope.length, "scope must not repeat an entry"),
  })
  .openapi("ConsentRecord");
export type ConsentRecord = z.infer<typeof ConsentRecord>;

/**
 * The ledger's summary for one patient. `optedOut` is any revocation by reasonable means (a STOP
 * text, a spoken request, a letter): it covers calls and texts alike (FCC 24-24).
 */
export const ConsentSummary = z
  .object({
    optedOut: z.boolean(),
    records: z.array(ConsentRecord).max(100),
  })
  .openapi("ConsentSummary");
export type ConsentSummary = z.infer<typeof ConsentSummary>;

/** Whether the records hold consent of the needed kind for this channel, given before `now`. */
export function hasConsent(records: readonly ConsentRecord[], needed: ConsentNeeded, channel: "call" | "sms", now: number): boolean {
  if (needed === "none") return true;
  const scope = channel === "call" ? "calls" : "texts";
  return records.some(
    (record) =>
      record.at <= now &&
      record.scope.includes(scope) &&
      (needed === "prior_express_consent" || record.basis === "prior_express_written_consent"),
  );
}
