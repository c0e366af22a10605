/**
 * What is left of a provider's final report in HIPAA mode: the structured results (flags, counts,
 * the outcome) stay; free text such as a summary, which retells the conversation, does not.
 */
export function withoutFreeText(report: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report).filter(([key, value]) => typeof value === "boolean" || typeof value === "number" || (key === "outcome" && typeof value === "string")),
  );
}
