import { z } from "@hono/zod-openapi";
import { EXEMPT_CAPS, WEEK_MS } from "./caps";
import { isExemptPurpose, Purpose } from "./purposes";
import { MAX_STATE_SUBJECT_CAP } from "./state-rules";

export const ContactChannel = z.enum(["call", "sms"]);
export type ContactChannel = z.infer<typeof ContactChannel>;

/**
 * One call or text already made to the patient. `subject` is what the contact is about for the
 * states' same-subject caps (e.g. `appointment:apt_123`); without one, the purpose is the subject,
 * so all contacts of one purpose count together. Use subjects consistently: a contact with a
 * subject and one without never count together.
 */
export const RecentContact = z.object({
  at: z.number().int().nonnegative(),
  channel: ContactChannel,
  purpose: Purpose,
  subject: z.string().trim().min(1).max(100).optional(),
  /** The call or text this was (its id), so a patient's contact history can say which contacts count. */
  ref: z.string().min(1).max(64).optional(),
});
export type RecentContact = z.infer<typeof RecentContact>;

/** The longest window any cap looks back over: older contacts never count. */
export const CONTACT_MEMORY_MS = WEEK_MS;

/** Newest contacts per group worth keeping: caps can only be lowered, so no cap looks further back. */
const KEPT_PER_GROUP = Math.max(EXEMPT_CAPS.perDay, EXEMPT_CAPS.perWeek, MAX_STATE_SUBJECT_CAP);

export function subjectOf(contact: { purpose: Purpose; subject?: string | undefined }): string {
  return contact.subject ?? contact.purpose;
}

/**
 * The contact history after `contact` is made, oldest first, for storing as one row per
 * (tenant, patient). Drops what no cap can see any more: contacts 7 days old or more, and
 * beyond the newest few of each subject and of the exempt contacts. The row stays at most a few
 * entries per subject and decisions are the same as with the full history.
 */
export function recordContact(recent: readonly RecentContact[], contact: RecentContact, now: number): RecentContact[] {
  const newestFirst = [...recent, contact].filter((c) => now - c.at < CONTACT_MEMORY_MS).sort((a, b) => b.at - a.at);
  const perSubject = new Map<string, number>();
  let exempt = 0;
  const kept = newestFirst.filter((c) => {
    const subject = subjectOf(c);
    const seen = perSubject.get(subject) ?? 0;
    perSubject.set(subject, seen + 1);
    const keepForExempt = isExemptPurpose(c.purpose) && exempt++ < KEPT_PER_GROUP;
    return seen < KEPT_PER_GROUP || keepForExempt;
  });
  return kept.reverse();
}
