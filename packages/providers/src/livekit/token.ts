import { base64UrlDecode, base64UrlEncode, hmacSha256, hmacSha256Verify, utf8 } from "../crypto";

/** Grants as LiveKit's access tokens carry them (livekit-server-sdk `ClaimGrants`). */
export interface LiveKitGrants {
  video?: { roomAdmin?: boolean; roomCreate?: boolean; room?: string };
  sip?: { call?: boolean; admin?: boolean };
  sha256?: string;
}

const HEADER = base64UrlEncode(utf8(JSON.stringify({ alg: "HS256" })));
/** Tokens for our own API calls live as long as the SDK's default. */
const TTL_SECONDS = 600;
/** The SDK's TokenVerifier allows this much clock skew (seconds). */
const CLOCK_TOLERANCE_S = 10;

/** An HS256 access token signed with the API secret, issued by the API key (as `AccessToken.toJwt`). */
export async function signAccessToken(apiKey: string, apiSecret: string, grants: LiveKitGrants, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const payload = { ...grants, iss: apiKey, nbf: iat, exp: iat + TTL_SECONDS };
  const signingInput = `${HEADER}.${base64UrlEncode(utf8(JSON.stringify(payload)))}`;
  return `${signingInput}.${base64UrlEncode(await hmacSha256(apiSecret, signingInput))}`;
}

/**
 * The claims of a token LiveKit signed, or null: HS256 under the API secret, issued by the API key,
 * with an expiry that has not passed and a not-before that has (within the SDK's tolerance).
 */
export async function verifyAccessToken(token: string, apiKey: string, apiSecret: string, now = Date.now()): Promise<Record<string, unknown> | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  const signature = base64UrlDecode(s);
  if (!header || header.alg !== "HS256" || !claims || !signature) return null;
  if (!(await hmacSha256Verify(apiSecret, `${h}.${p}`, signature))) return null;
  const seconds = now / 1000;
  if (claims.iss !== apiKey) return null;
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_S < seconds) return null;
  if (typeof claims.nbf === "number" && claims.nbf - CLOCK_TOLERANCE_S > seconds) return null;
  return claims;
}

function decodeJson(segment: string): Record<string, unknown> | null {
  const bytes = base64UrlDecode(segment);
  if (!bytes) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
