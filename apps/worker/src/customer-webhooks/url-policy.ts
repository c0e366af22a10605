import { classifyAddress } from "./ip-ranges";

/** Resolves a host name to its IPv4 and IPv6 addresses. */
export type Resolver = (hostname: string) => Promise<string[]>;

export interface UrlPolicy {
  /** `ENVIRONMENT`: loopback and plain http are allowed only in `development` and `test`. */
  environment: string | undefined;
  resolve: Resolver;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function isLocalEnvironment(environment: string | undefined): boolean {
  return environment === "development" || environment === "test";
}

/**
 * Decides whether we may POST to a customer's URL (SSRF guard). In production the URL must be
 * https and its host must resolve only to public addresses; it is checked when registered and again
 * before each delivery run, since DNS can change in between. Locally, loopback (localhost, 127.0.0.1,
 * ::1) and http are allowed so a developer can receive on their machine; every other non-public
 * address is refused everywhere. IP literals in any form the URL parser accepts (decimal, hex,
 * octal, short) arrive here normalized to dotted quads.
 */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "url must be an absolute http(s) URL" };
  }
  const local = isLocalEnvironment(policy.environment);
  if (url.protocol !== "https:" && !(local && url.protocol === "http:")) {
    return { ok: false, reason: local ? "url must use http or https" : "url must use https" };
  }
  if (url.username || url.password) return { ok: false, reason: "url must not carry credentials" };

  const host = url.hostname.toLowerCase();
  const literal = classifyAddress(host);
  if (literal !== null) {
    if (literal === "public" || (local && literal === "loopback")) return { ok: true, url };
    return { ok: false, reason: refusal(literal) };
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    return local ? { ok: true, url } : { ok: false, reason: refusal("loopback") };
  }
  // Local development has no DNS to ask and nothing to protect.
  if (local) return { ok: true, url };

  let addresses: string[];
  try {
    addresses = await policy.resolve(host);
  } catch {
    return { ok: false, reason: "url host could not be resolved" };
  }
  if (!addresses.length) return { ok: false, reason: "url host does not resolve to any address" };
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind !== "public") return { ok: false, reason: refusal(kind ?? "reserved") };
  }
  return { ok: true, url };
}

function refusal(kind: string): string {
  return `url must point to a public address (it points to a ${kind} address)`;
}

const DOH_TIMEOUT_MS = 3_000;

/**
 * A resolver over DNS-over-HTTPS (JSON API, as served by cloudflare-dns.com): Workers have no
 * resolver of their own. Asks for A and AAAA; CNAME answers are followed by the DoH server.
 */
export function dohResolver(endpoint = "https://cloudflare-dns.com/dns-query"): Resolver {
  const query = async (hostname: string, type: "A" | "AAAA"): Promise<string[]> => {
    const res = await fetch(`${endpoint}?name=${encodeURIComponent(hostname)}&type=${type}`, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`DoH answered ${res.status}`);
    const body = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
    // NXDOMAIN and friends: no addresses. SERVFAIL and the like: unknown, so refuse.
    if (body.Status === 3) return [];
    if (body.Status !== 0) throw new Error(`DoH status ${body.Status}`);
    const wanted = type === "A" ? 1 : 28;
    return (body.Answer ?? []).filter((a) => a.type === wanted).map((a) => a.data);
  };
  return async (hostname) => {
    const [v4, v6] = await Promise.all([query(hostname, "A"), query(hostname, "AAAA")]);
    return [...v4, ...v6];
  };
}
