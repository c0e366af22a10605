import { ATTACHMENT_LIMITS, safeName, sniffType, type AcceptedFile } from "./media";
import { TWILIO_API_BASE, type TwilioConfig } from "./twilio";

/**
 * Copies the media of an inbound MMS into our store, so the chat keeps it behind our own signed
 * links. Only Twilio's media URLs of the tenant's own account are fetched (with its credentials):
 * a webhook can never make us fetch anything else. Media we cannot take (too large, unknown type,
 * unreachable) is counted, not fatal: the text itself is still stored.
 */
export async function fetchInboundMedia(config: TwilioConfig, params: Map<string, string>): Promise<{ files: AcceptedFile[]; skipped: number }> {
  const count = Math.min(Number(params.get("NumMedia") ?? "0") || 0, ATTACHMENT_LIMITS.maxFiles);
  const prefix = `${TWILIO_API_BASE}/Accounts/${config.accountSid}/`;
  const files: AcceptedFile[] = [];
  let skipped = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const url = params.get(`MediaUrl${i}`);
    if (!url?.startsWith(prefix)) {
      skipped += 1;
      continue;
    }
    try {
      const res = await fetch(url, {
        headers: { Authorization: `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}` },
        signal: AbortSignal.timeout(5_000),
      });
      const bytes = res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
      const contentType = bytes ? sniffType(bytes) : null;
      if (!bytes || !contentType || total + bytes.length > ATTACHMENT_LIMITS.maxTotalBytes) {
        skipped += 1;
        continue;
      }
      total += bytes.length;
      files.push({ name: safeName(`media-${i + 1}`, i), contentType, bytes });
    } catch {
      skipped += 1;
    }
  }
  return { files, skipped };
}
