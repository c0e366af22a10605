import { http, HttpResponse } from "msw";
import { webhookPoster, type FakeVendorOptions, type Recorded, type VendorRequest } from "./vendor";

/** The call object of Vocode's API reference (Create Call response). */
export interface VocodeCallObject {
  id: string;
  user_id: string;
  status: "not_started" | "in_progress" | "error" | "ended";
  error_message: string | null;
  recording_available: boolean;
  transcript: string | null;
  human_detection_result: "human" | "no_human" | null;
  do_not_call_result: boolean | null;
  telephony_id: string | null;
  stage: "created" | "picked_up" | "transfer_started" | "transfer_successful";
  stage_outcome: string | null;
  start_time: string | null;
  end_time: string | null;
  to_number: string;
  from_number: string;
  agent: { id: string };
  context: Record<string, unknown>;
  on_no_human_answer: string;
  run_do_not_call_detection: boolean;
  hipaa_compliant: boolean;
  telephony_params: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Vocode's hosted API per its reference: Bearer auth; `POST /v1/calls/create` (from_number,
 * to_number and agent required; FastAPI-style 422 otherwise); `POST /v1/calls/end?id=`;
 * `GET /v1/calls?id=`. Its webhooks carry no signature.
 */
export function fakeVocode(apiKey: string, options: FakeVendorOptions & { base?: string } = {}) {
  const base = options.base ?? "https://api.vocode.dev";
  const postWebhook = webhookPoster(options);
  const calls = new Map<string, VocodeCallObject>();
  const requests: Recorded[] = [];
  let nextCreate: (() => Response | Promise<Response>) | null = null;
  const auth = (request: VendorRequest) => request.headers.get("authorization") === `Bearer ${apiKey}`;
  const record = async (request: VendorRequest) => {
    const text = await request.clone().text();
    requests.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: text ? JSON.parse(text) : null });
  };
  const unauthorized = () => HttpResponse.json({ detail: "Invalid authentication credentials" }, { status: 401 });

  const handlers = [
    http.post(`${base}/v1/calls/create`, async ({ request }) => {
      await record(request);
      if (!auth(request)) return unauthorized();
      if (nextCreate) {
        const respond = nextCreate;
        nextCreate = null;
        return respond();
      }
      const body = requests.at(-1)!.body ?? {};
      const missing = ["from_number", "to_number", "agent"].filter((f) => typeof body[f] !== "string");
      if (missing.length || !UUID.test(body.agent)) {
        return HttpResponse.json({ detail: missing.map((f) => ({ loc: ["body", f], msg: "field required", type: "value_error.missing" })) }, { status: 422 });
      }
      const call: VocodeCallObject = {
        id: crypto.randomUUID(),
        user_id: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        status: "not_started",
        error_message: null,
        recording_available: false,
        transcript: null,
        human_detection_result: null,
        do_not_call_result: null,
        telephony_id: null,
        stage: "created",
        stage_outcome: null,
        start_time: null,
        end_time: null,
        to_number: body.to_number,
        from_number: body.from_number,
        agent: { id: body.agent },
        context: body.context ?? {},
        on_no_human_answer: body.on_no_human_answer ?? "continue",
        run_do_not_call_detection: body.run_do_not_call_detection ?? false,
        hipaa_compliant: body.hipaa_compliant ?? false,
        telephony_params: body.telephony_params ?? {},
      };
      calls.set(call.id, call);
      return HttpResponse.json(call);
    }),
    http.post(`${base}/v1/calls/end`, async ({ request }) => {
      await record(request);
      if (!auth(request)) return unauthorized();
      const call = calls.get(new URL(request.url).searchParams.get("id") ?? "");
      if (!call) return HttpResponse.json({ detail: "Call not found" }, { status: 404 });
      Object.assign(call, { status: "ended", stage_outcome: call.stage === "picked_up" ? "bot_disconnected" : "call_did_not_connect" });
      return HttpResponse.json(call);
    }),
    http.get(`${base}/v1/calls`, async ({ request }) => {
      await record(request);
      if (!auth(request)) return unauthorized();
      const call = calls.get(new URL(request.url).searchParams.get("id") ?? "");
      return call ? HttpResponse.json(call) : HttpResponse.json({ detail: "Call not found" }, { status: 404 });
    }),
  ];

  return {
    handlers,
    calls,
    requests,
    failNextCreate(respond: () => Response | Promise<Response>) {
      nextCreate = respond;
    },
    /** Vocode's call for one of ours, found by the number dialed (Vocode echoes no metadata). */
    callTo(number: string): VocodeCallObject {
      const found = [...calls.values()].filter((c) => c.to_number === number).at(-1);
      if (!found) throw new Error(`vocode has no call to ${number}`);
      return found;
    },
    /** An event as the agent's webhook receives it: unsigned; the call rides along. */
    async send(url: string, type: string, call: VocodeCallObject) {
      return postWebhook(url, JSON.stringify({ type, call }), { "content-type": "application/json" });
    },
  };
}

export function vocodePickedUp(call: VocodeCallObject) {
  return Object.assign(call, { status: "in_progress", stage: "picked_up", human_detection_result: "human", start_time: new Date().toISOString() });
}

export function vocodeEnded(call: VocodeCallObject, stageOutcome = "human_disconnected") {
  return Object.assign(call, {
    status: "ended",
    stage_outcome: stageOutcome,
    end_time: new Date().toISOString(),
    recording_available: true,
    transcript: "BOT: Hello, this is Sunrise Clinic.\nHUMAN: Hi, yes.\nBOT: Your visit is confirmed.",
  });
}
