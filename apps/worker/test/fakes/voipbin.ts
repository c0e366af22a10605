import { http, HttpResponse } from "msw";
import { webhookPoster, type FakeVendorOptions, type Recorded, type VendorRequest } from "./vendor";

const NOT_YET = "9999-01-01 00:00:00.000000";

/** A call as VoIPbin's docs show it (Struct Call). */
export interface VoipbinCallObject {
  id: string;
  flow_id: string;
  type: "flow";
  master_call_id: string;
  chained_call_ids: string[];
  recording_id: string;
  recording_ids: string[];
  source: { type: string; target: string; target_name: string; name: string; detail: string };
  destination: { type: string; target: string; target_name: string; name: string; detail: string };
  status: "dialing" | "ringing" | "progressing" | "terminating" | "canceling" | "hangup";
  action: Record<string, unknown>;
  direction: "outgoing";
  hangup_by: "" | "local" | "remote";
  hangup_reason: string;
  tm_create: string;
  tm_update: string;
  tm_progressing: string;
  tm_ringing: string;
  tm_hangup: string;
}

const address = (a: { type: string; target: string }) => ({ type: a.type, target: a.target, target_name: "", name: "", detail: "" });

/**
 * VoIPbin's API per its docs and OpenAPI: `?accesskey=` auth; `POST /v1.0/calls` (source,
 * destinations, and actions or flow_id) answering `{ calls, groupcalls }`; `POST /v1.0/calls/{id}/hangup`;
 * `GET /v1.0/calls/{id}`. Webhooks are `{ type, data }`, signed `X-VoIPBIN-Signature: sha256=<hex>`
 * as its webhook-manager signs them (HMAC-SHA256 of the body under the customer's webhook secret).
 */
export function fakeVoipbin(accessKey: string, webhookSecret: string, options: FakeVendorOptions & { base?: string } = {}) {
  const base = options.base ?? "https://api.voipbin.net/v1.0";
  const postWebhook = webhookPoster(options);
  const calls = new Map<string, VoipbinCallObject>();
  const requests: Recorded[] = [];
  let nextCreate: (() => Response) | null = null;
  const record = async (request: VendorRequest) => {
    const text = await request.clone().text();
    requests.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: text ? JSON.parse(text) : null });
    return requests.at(-1)!;
  };
  const authorized = (request: VendorRequest) => new URL(request.url).searchParams.get("accesskey") === accessKey;
  const error = (status: number, reason: string) => HttpResponse.json({ error: { status, reason, message: reason.toLowerCase() } }, { status });

  const handlers = [
    http.post(`${base}/calls`, async ({ request }) => {
      const { body } = await record(request);
      if (!authorized(request)) return error(401, "UNAUTHENTICATED");
      if (nextCreate) {
        const respond = nextCreate;
        nextCreate = null;
        return respond();
      }
      const validAction = Array.isArray(body?.actions) && body.actions.length > 0;
      if (body?.source?.type !== "tel" || !Array.isArray(body?.destinations) || !body.destinations.length || (!validAction && !body.flow_id)) {
        return error(400, "INVALID_ARGUMENT");
      }
      const created = body.destinations.map((d: { type: string; target: string }) => {
        const call: VoipbinCallObject = {
          id: crypto.randomUUID(),
          flow_id: body.flow_id ?? crypto.randomUUID(),
          type: "flow",
          master_call_id: "00000000-0000-0000-0000-000000000000",
          chained_call_ids: [],
          recording_id: "00000000-0000-0000-0000-000000000000",
          recording_ids: [],
          source: address(body.source),
          destination: address(d),
          status: "dialing",
          action: { id: "00000000-0000-0000-0000-000000000001", next_id: "00000000-0000-0000-0000-000000000000", type: "" },
          direction: "outgoing",
          hangup_by: "",
          hangup_reason: "",
          tm_create: new Date().toISOString(),
          tm_update: NOT_YET,
          tm_progressing: NOT_YET,
          tm_ringing: NOT_YET,
          tm_hangup: NOT_YET,
        };
        calls.set(call.id, call);
        return call;
      });
      return HttpResponse.json({ calls: created, groupcalls: [] });
    }),
    http.post(`${base}/calls/:id/hangup`, async ({ request, params }) => {
      await record(request);
      if (!authorized(request)) return error(401, "UNAUTHENTICATED");
      const call = calls.get(String(params.id));
      if (!call) return error(404, "NOT_FOUND");
      call.status = "terminating";
      return HttpResponse.json(call);
    }),
    http.get(`${base}/calls/:id`, async ({ request, params }) => {
      await record(request);
      if (!authorized(request)) return error(401, "UNAUTHENTICATED");
      const call = calls.get(String(params.id));
      return call ? HttpResponse.json(call) : error(404, "NOT_FOUND");
    }),
  ];

  /** VoIPbin's webhook-manager: "sha256=" + hex(HMAC-SHA256(secret, body)). */
  const sign = async (body: string, secret = webhookSecret) => {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
    return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  };

  return {
    handlers,
    calls,
    requests,
    failNextCreate(respond: () => Response) {
      nextCreate = respond;
    },
    callTo(number: string) {
      const found = [...calls.values()].filter((c) => c.destination.target === number).at(-1);
      if (!found) throw new Error(`voipbin has no call to ${number}`);
      return found;
    },
    sign,
    /** A `call_*` webhook carrying the call as it now is. */
    body: (type: string, data: unknown) => JSON.stringify({ type, data }),
    async send(url: string, type: string, data: unknown, opts: { secret?: string; tamper?: (b: string) => string; signature?: string | null } = {}) {
      const body = JSON.stringify({ type, data });
      const headers: Record<string, string> = { "content-type": "application/json" };
      const signature = opts.signature === undefined ? await sign(body, opts.secret) : opts.signature;
      if (signature !== null) headers["X-VoIPBIN-Signature"] = signature;
      return postWebhook(url, opts.tamper ? opts.tamper(body) : body, headers);
    },
    /** The AIcall on a call, as its `aicall_*` events carry it (reference_type call). */
    aicall(call: VoipbinCallObject, status: string) {
      return { id: crypto.randomUUID(), assistance_type: "ai", assistance_id: "b2c3d4e5-f6a7-8901-bcde-f12345678901", reference_type: "call", reference_id: call.id, status, tm_end: NOT_YET };
    },
  };
}

export function voipbinAt(call: VoipbinCallObject, status: VoipbinCallObject["status"], hangup?: { reason: string; by?: "local" | "remote" }) {
  const now = new Date().toISOString();
  Object.assign(call, { status, tm_update: now });
  if (status === "ringing") call.tm_ringing = now;
  if (status === "progressing") call.tm_progressing = now;
  if (hangup) Object.assign(call, { hangup_reason: hangup.reason, hangup_by: hangup.by ?? "remote", tm_hangup: now, recording_ids: ["7f2d1c3b-0000-4000-8000-000000000001"] });
  return call;
}
