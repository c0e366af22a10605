import { z } from "@hono/zod-openapi";
import { EXEMPT_CAPS } from "./caps";
import { clockMinutes, type DailyWindow, FEDERAL_CALLING_HOURS, intersectWindows } from "./hours";
import { Purpose } from "./purposes";
import { MAX_STATE_SUBJECT_CAP } from "./state-rules";

// A tenant may make the rules stricter, never looser: hours inside the federal window and caps at
// or below the legal ones. Anything else is a validation error, so a bad setting is a clear 4xx.

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM");
const federal = { start: "08:00", end: "21:00" };

export const TenantCallingHours = z
  .strictObject({ start: clock, end: clock })
  .superRefine((hours, ctx) => {
    if (!/^\d\d:\d\d$/.test(hours.start) || !/^\d\d:\d\d$/.test(hours.end)) return;
    const start = clockMinutes(hours.start);
    const end = clockMinutes(hours.end);
    if (start < FEDERAL_CALLING_HOURS.start)
      ctx.addIssue({ code: "custom", path: ["start"], message: `calling hours can start no earlier than ${federal.start} (47 CFR 64.1200(c)(1)); they can be narrowed, not widened` });
    if (end > FEDERAL_CALLING_HOURS.end)
      ctx.addIssue({ code: "custom", path: ["end"], message: `calling hours can end no later than ${federal.end} (47 CFR 64.1200(c)(1)); they can be narrowed, not widened` });
    if (start >= end) ctx.addIssue({ code: "custom", path: ["end"], message: "calling hours must end after they start" });
  })
  .openapi("TenantCallingHours", { example: { start: "09:00", end: "19:00" } });

const cap = (field: string, legal: number) =>
  z
    .number()
    .int(`${field} must be a whole number`)
    .min(1, `${field} must be at least 1`)
    .max(legal, `${field} can be at most ${legal}: caps can be lowered, not raised`);

export const TenantCaps = z
  .strictObject({
    exemptPerDay: cap("exemptPerDay", EXEMPT_CAPS.perDay).optional(),
    exemptPerWeek: cap("exemptPerWeek", EXEMPT_CAPS.perWeek).optional(),
    sameSubjectPer24h: cap("sameSubjectPer24h", MAX_STATE_SUBJECT_CAP)
      .optional()
      .openapi({ description: "Lowers the same-subject cap in states that have one" }),
  })
  .openapi("TenantCaps");

export const TenantContactPolicy = z
  .strictObject({
    callingHours: TenantCallingHours.optional(),
    caps: TenantCaps.optional(),
    allowedPurposes: z.array(Purpose).min(1, "allowedPurposes must name at least one purpose").optional().openapi({ description: "Purposes this tenant contacts patients for; all when absent" }),
  })
  .openapi("TenantContactPolicy");
export type TenantContactPolicy = z.infer<typeof TenantContactPolicy>;

/** The tenant's hours inside the federal window; null if they share none (only possible for unvalidated input). */
export function tenantCallingWindow(policy: TenantContactPolicy): DailyWindow | null {
  if (!policy.callingHours) return FEDERAL_CALLING_HOURS;
  const tenant = { start: clockMinutes(policy.callingHours.start), end: clockMinutes(policy.callingHours.end) };
  return intersectWindows(FEDERAL_CALLING_HOURS, tenant);
}
