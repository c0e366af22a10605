import Retell from "retell-sdk";
import { symmetric } from "retell-sdk/lib/webhook_auth";
import { http, HttpResponse } from "msw";
import { webhookPoster, type FakeVendorOptions, type Recorded, type VendorRequest } from "./vendor";

/** A call object as Retell's get-call returns it (API reference: Get Call). */
export interface RetellCallObject {
  call_id: string;
  call_type: "phone_call";
  agent_id: string;
  call_status: "registered" | "not_connected" | "ongoing" | "ended" | "error";
  from_number: string;
  to_number: string;
  direction: "outbound";
  metadata?: unknown;
  retell_llm_dynamic_variables?: Record<string, string>;
  disconnection_reason?: string;
  transcript?: string;
  transcript_object?: { role: "agent" | "user"; content: string; words: unknown[] }[];
  recording_url?: string;
  call_analysis?: Record<string, unknown>;
  start_timestamp?: number;
  end_timestamp?: number;
}

async function record(request: VendorRequest, into: Recorded[]) {
  const text = await request.clone().text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // keep text
  }
  const entry: Recorded = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body };
  into.push(entry);
  return entry;
}

/**
 * A Retell API as its reference documents it: Bearer auth with the API key, create-phone-call
 * (from_number and to_number required, E.164), stop-call, get-call; webhooks signed with the
 * official SDK's `Retell.sign`.
 */
export function fakeRetell(apiKey: string, options: FakeVendorOptions & { base?: string } = {}) {
  const base = options.base ?? "https://api.retellai.com";
  const postWebhook = webhookPoster(options);
  const calls = new Map<string, RetellCallObject>();
  const requests: Recorded[] = [];
  let nextCreate: (() => Response | Promise<Response>) | null = null;
  const unauthorized = (request: VendorRequest) => request.headers.get("authorization") !== `Bearer ${apiKey}`;

  const handlers = [
    http.post(`${base}/v2/create-phone-call`, async ({ request }) => {
      const { body } = await record(request, requests);
      if (unauthorized(request)) return HttpResponse.json({ error_message: "Unauthorized" }, { status: 401 });
      if (nextCreate) {
        const respond = nextCreate;
        nextCreate = null;
        return respond();
      }
      const e164 = /^\+[1-9]\d{6,14}$/;
      if (!body || !e164.test(body.from_number ?? "") || !e164.test(body.to_number ?? "")) {
        return HttpResponse.json({ error_message: "from_number and to_number must be E.164 numbers" }, { status: 400 });
      }
      const call: RetellCallObject = {
        call_id: `call_${crypto.randomUUID().replace(/-/g, "")}`,
        call_type: "phone_call",
        agent_id: body.override_agent_id ?? "agent_bound_to_number",
        call_status: "registered",
        from_number: body.from_number,
        to_number: body.to_number,
        direction: "outbound",
        metadata: body.metadata,
        retell_llm_dynamic_variables: body.retell_llm_dynamic_variables,
      };
      calls.set(call.call_id, call);
      return HttpResponse.json(call, { status: 201 });
    }),
    http.post(`${base}/v2/stop-call/:callId`, async ({ request, params }) => {
      await record(request, requests);
      if (unauthorized(request)) return new HttpResponse(null, { status: 401 });
      const call = calls.get(String(params.callId));
      if (!call) return HttpResponse.json({ error_message: "Call not found" }, { status: 404 });
      Object.assign(call, { call_status: "ended", disconnection_reason: "manual_stopped" });
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(`${base}/v2/get-call/:callId`, async ({ request, params }) => {
      await record(request, requests);
      if (unauthorized(request)) return new HttpResponse(null, { status: 401 });
      const call = calls.get(String(params.callId));
      return call ? HttpResponse.json(call) : HttpResponse.json({ error_message: "Call not found" }, { status: 404 });
    }),
  ];

  return {
    handlers,
    calls,
    requests,
    /** The next create-phone-call answers this instead. */
    failNextCreate(respond: () => Response | Promise<Response>) {
      nextCreate = respond;
    },
    /** The call Retell holds for one of our calls. */
    callFor(ourCallId: string): RetellCallObject {
      const found = [...calls.values()].find((c) => (c.metadata as any)?.switchboard_call_id === ourCallId);
      if (!found) throw new Error(`retell has no call for ${ourCallId}`);
      return found;
    },
    /** The webhook body Retell sends: `{ event, call }`. */
    body(event: string, call: RetellCallObject) {
      return JSON.stringify({ event, call });
    },
    /**
     * Sends a webhook signed by the SDK (`Retell.sign`, or `symmetric.sign` for a chosen timestamp),
     * optionally with another key or a body changed after signing.
     */
    async send(url: string, event: string, call: RetellCallObject, opts: { key?: string; timestamp?: number; tamper?: (body: string) => string } = {}) {
      const body = this.body(event, call);
      const signature = opts.timestamp === undefined ? await Retell.sign(body, opts.key ?? apiKey) : await symmetric.sign(body, opts.key ?? apiKey, opts.timestamp);
      return postWebhook(url, opts.tamper ? opts.tamper(body) : body, { "content-type": "application/json", "x-retell-signature": signature });
    },
  };
}

/** Moves a fake call along as Retell would before each webhook. */
export function retellStarted(call: RetellCallObject) {
  Object.assign(call, { call_status: "ongoing", start_timestamp: Date.now() });
  return call;
}

export function retellEnded(call: RetellCallObject, reason = "user_hangup") {
  Object.assign(call, {
    call_status: reason.startsWith("dial_") || reason === "invalid_destination" ? "not_connected" : "ended",
    disconnection_reason: reason,
    end_timestamp: Date.now(),
    transcript: "Agent: Hi, this is Ava.\nUser: Hi Ava, yes I can make it.\n",
    transcript_object: [
      { role: "agent", content: "Hi, this is Ava.", words: [] },
      { role: "user", content: "Hi Ava, yes I can make it.", words: [] },
    ],
    recording_url: `https://dxc03zgurdly9.cloudfront.net/${call.call_id}/recording.wav`,
  });
  return call;
}

export function retellAnalyzed(call: RetellCallObject) {
  Object.assign(call, {
    call_analysis: { call_summary: "The patient confirmed the appointment.", in_voicemail: false, user_sentiment: "Positive", call_successful: true, custom_analysis_data: { confirmed: true } },
  });
  return call;
}
