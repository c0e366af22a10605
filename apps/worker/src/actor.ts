/** Who did something, for the audit trail. */
export interface Actor {
  /** `signed_link`: whoever holds an attachment link (no credential of their own). */
  type: "api_key" | "admin" | "system" | "signed_link";
  /** The API key's id (for `signed_link`, the key the link was issued to); null for the operator and the system. */
  id: string | null;
}
