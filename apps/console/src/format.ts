import type { CampaignProgress, ReasonCode } from "./api";

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** "in 4 min", "12 s ago". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${(abs / 3_600_000).toFixed(1)} h` : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value < 60 ? `${value} s` : `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : "—";
}

/** Statuses grouped as the progress bar shows them, in its order. */
export const STATUS_GROUPS = [
  { key: "completed", label: "completed", statuses: ["completed"] },
  { key: "failed", label: "failed", statuses: ["failed"] },
  { key: "canceled", label: "canceled", statuses: ["canceled"] },
  { key: "live", label: "live", statuses: ["initiating", "dialing", "in-progress", "summarizing"] },
  { key: "waiting", label: "waiting", statuses: ["scheduled", "queued", "awaiting-retry"] },
] as const;

export function grouped(progress: CampaignProgress): { key: string; label: string; count: number }[] {
  const by = progress.byStatus as Record<string, number>;
  return STATUS_GROUPS.map((g) => ({ key: g.key, label: g.label, count: g.statuses.reduce((sum, s) => sum + (by[s] ?? 0), 0) }));
}

export const LIVE_STATUSES = ["initiating", "dialing", "in-progress", "summarizing"];
export const HANGUP_STATUSES = ["initiating", "dialing", "in-progress"];
export const TERMINAL_STATUSES = ["completed", "failed", "canceled"];

export function patientName(patient: { first_name: string; last_name: string } | null | undefined): string {
  return patient ? `${patient.first_name} ${patient.last_name}` : "(deleted patient)";
}

/** The contact policy's reason codes in a few words (the API's `GET /api/v1/contact-policy` has the long form). */
export const REASON_LABELS: Record<ReasonCode, string> = {
  opted_out: "opted out",
  number_on_dnc: "on the do-not-call list",
  no_consent: "no consent on record",
  purpose_not_allowed: "purpose not allowed",
  message_too_long: "text too long",
  no_calling_window: "no calling window",
  outside_calling_hours: "outside calling hours",
  state_quiet_hours: "state's quiet hours",
  state_frequency_cap: "state's same-subject cap",
  daily_cap: "daily cap",
  weekly_cap: "weekly cap",
};

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(REASON_LABELS, value);
}

export function reasonLabel(code: string | null | undefined): string {
  if (!code) return "";
  return REASON_LABELS[code as ReasonCode] ?? code;
}

/** `{ opted_out: 2, number_on_dnc: 0 }` → the reasons with a count, largest first. */
export function reasonCounts(byReason: Record<string, number>): { code: string; label: string; count: number }[] {
  return Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => ({ code, label: reasonLabel(code), count }));
}

/** A code as words: `appointment_reminder` → "appointment reminder". */
export function words(value: string | null | undefined): string {
  return value ? value.replaceAll("_", " ") : "—";
}
