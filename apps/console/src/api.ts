import { createSwitchboardClient, ok, type components } from "@switchboard/sdk";

/** The console's header on every request (the worker refuses state changes without it: CSRF). */
export const CONSOLE_HEADERS = { "X-Switchboard-Console": "1" };

/**
 * The SDK, pointed at the console's mount of the API: `/api/v1/...` and `/admin/...` become
 * `/console/api/v1/...` and `/console/admin/...`, authenticated by the session cookie (never a key
 * in the page).
 */
export const client = createSwitchboardClient({ baseUrl: `${location.origin}/console`, headers: CONSOLE_HEADERS });

/** Called when the API says the session is over (signed out elsewhere, key revoked, expired). */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void) {
  onSignedOut = handler;
}
client.use({
  onResponse({ response }) {
    if (response.status === 401) onSignedOut();
    return undefined;
  },
});

export { ok };
export type Schemas = components["schemas"];
export type Call = Schemas["Call"];
export type CallEvent = Schemas["CallEvent"];
export type CampaignSummary = Schemas["CampaignSummary"];
export type CampaignProgress = Schemas["CampaignProgress"];
export type Patient = Schemas["Patient"];
export type ProviderHealth = Schemas["ProviderHealth"];
export type PolicyDecision = Schemas["ContactPolicyDecision"];
export type ReasonCode = NonNullable<Schemas["PolicyReasonCode"]>;
export type CallPreview = Schemas["CallPreview"];

/** Who is signed in: what GET /console/session answers. */
export interface Session {
  kind: "tenant" | "operator";
  tenant: { id: string; name: string } | null;
  expiresAt: string;
}

async function sessionRequest(method: string, body?: unknown): Promise<Response> {
  return fetch("/console/session", {
    method,
    credentials: "same-origin",
    headers: { ...CONSOLE_HEADERS, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function errorMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `HTTP ${res.status}`;
}

export async function currentSession(): Promise<Session | null> {
  const res = await sessionRequest("GET");
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(await errorMessage(res));
  return (await res.json()) as Session;
}

export async function signIn(credential: { apiKey: string } | { adminToken: string }): Promise<Session> {
  const res = await sessionRequest("POST", credential);
  if (!res.ok) throw new Error(await errorMessage(res));
  return (await res.json()) as Session;
}

export async function signOut(): Promise<void> {
  await sessionRequest("DELETE");
}
