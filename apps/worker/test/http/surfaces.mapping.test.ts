import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CALL_STATUSES } from "@switchboard/schemas";
import { VOCODE_MAPPING } from "../../src/http/vocode/mapping";
import { VOCODE_HUMAN_DETECTION, VOCODE_STAGE_OUTCOMES, VOCODE_STAGES, VOCODE_STATUSES } from "../../src/http/vocode/schema";
import { VOIPBIN_MAPPING } from "../../src/http/voipbin/mapping";
import { AICALL_STATUSES } from "../../src/http/voipbin/schema";
import { call, vocode, voipbin } from "../helpers/http";
import { addToDoNotCall, createAgent, createTenant, uniquePhone } from "../helpers/tenants";
import { aicallGet, getCall, listCalls, vocodeCreate, vocodeGet } from "../helpers/calls";
import { providerReports } from "../helpers/objects";

/**
 * Every vendor enum value is reached by driving real calls through the core (the provider's
 * reports go into the call's object, as a webhook's would) and read back through both surfaces.
 */
interface Seen {
  core: { status: string; outcome: string | null };
  vocode: { status: string; stage: string; stage_outcome: string | null; human_detection_result: string | null; error_message: string | null };
  aicall: string;
}

describe("mapping tables: every vendor value reachable from a real call", () => {
  let key: string;
  let tenantId: string;
  let agentId: string;
  const seen = new Map<string, Seen>();

  async function observe(name: string, callId: string) {
    const [core, v, a] = [await getCall(key, callId), await vocodeGet(key, callId), await aicallGet(key, callId)];
    seen.set(name, {
      core: { status: core.status, outcome: core.outcome },
      vocode: { status: v.status, stage: v.stage, stage_outcome: v.stage_outcome, human_detection_result: v.human_detection_result, error_message: v.error_message },
      aicall: a.status,
    });
  }

  /** A call the simulator leaves alone (its script is ten minutes long): the test plays the provider. */
  async function newCall() {
    return (await vocodeCreate(key, { to_number: uniquePhone(), agent: agentId })).id as string;
  }

  beforeAll(async () => {
    const tenant = await createTenant();
    key = tenant.apiKey;
    tenantId = tenant.id;
    agentId = (await createAgent(key, { simulator: { durationMs: 600_000 } })).id;

    const scheduled = await call("/api/v1/calls", {
      key,
      method: "POST",
      json: { patients: [{ patientId: (await call("/api/v1/patients", { key, method: "POST", json: { firstName: "A", lastName: "B", phoneNumber: uniquePhone() } })).body.patient_id }], agentId, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    await observe("scheduled", scheduled.body.calls[0].callId);

    const human = await newCall();
    await observe("initiating", human);
    await providerReports(human, { status: "dialing" });
    await observe("dialing", human);
    await providerReports(human, { status: "in-progress", outcome: "human" });
    await observe("in-progress, human", human);
    await providerReports(human, { status: "summarizing", outcome: "human", transcript: [{ role: "agent", text: "Hi" }] });
    await observe("summarizing", human);
    await providerReports(human, { status: "completed", outcome: "human", finalReport: { outcome: "human" } });
    await observe("completed, human", human);

    for (const outcome of ["no_answer", "busy", "invalid_number"] as const) {
      const id = await newCall();
      await providerReports(id, { status: "dialing" });
      await providerReports(id, { status: "failed", outcome });
      await observe(`failed, ${outcome}`, id);
    }
    const providerError = await newCall();
    await providerReports(providerError, { status: "failed", outcome: "provider_error" });
    await observe("failed before dialing, provider_error", providerError);

    const droppedAfterAnswer = await newCall();
    await providerReports(droppedAfterAnswer, { status: "in-progress", outcome: "human" });
    await providerReports(droppedAfterAnswer, { status: "failed", outcome: "provider_error" });
    await observe("answered, then provider_error", droppedAfterAnswer);

    const voicemail = await newCall();
    await providerReports(voicemail, { status: "in-progress", outcome: "voicemail" });
    await observe("in-progress, voicemail", voicemail);
    await providerReports(voicemail, { status: "completed", outcome: "voicemail" });
    await observe("completed, voicemail", voicemail);

    const endedEarly = await newCall();
    expect((await vocode(`/v1/calls/end?id=${endedEarly}`, key, { method: "POST" })).status).toBe(200);
    await observe("hung up by the API before pickup", endedEarly);
    const endedLive = await newCall();
    await providerReports(endedLive, { status: "in-progress", outcome: "human" });
    expect((await voipbin(`/v1.0/aicalls/${endedLive}/terminate`, key, { method: "POST" })).status).toBe(200);
    await observe("hung up by the API on the line", endedLive);

    const transfer = await newCall();
    await providerReports(transfer, { status: "in-progress", outcome: "transferred" });
    await observe("transfer under way", transfer);
    await providerReports(transfer, { status: "completed", outcome: "transferred" });
    await observe("transfer completed", transfer);
    const failedTransfer = await newCall();
    await providerReports(failedTransfer, { status: "in-progress", outcome: "transferred" });
    await providerReports(failedTransfer, { status: "failed", outcome: "transferred" });
    await observe("transfer failed", failedTransfer);

    const listed = uniquePhone();
    await addToDoNotCall(tenantId, listed);
    const dnc = await vocodeCreate(key, { to_number: listed, agent: agentId, run_do_not_call_detection: true });
    await observe("do-not-call, never dialed", dnc.id);
  });

  it("maps each situation as the tables say", () => {
    const expected: Record<string, [string, string | null, string, string, string | null, string | null, string]> = {
      // name: core status, core outcome, Vocode status, stage, stage_outcome, human_detection_result, AIcall status
      scheduled: ["scheduled", null, "not_started", "created", null, null, "initiating"],
      initiating: ["initiating", null, "not_started", "created", null, null, "initiating"],
      dialing: ["dialing", null, "in_progress", "created", null, null, "initiating"],
      "in-progress, human": ["in-progress", "human", "in_progress", "picked_up", null, "human", "progressing"],
      summarizing: ["summarizing", "human", "ended", "picked_up", "human_disconnected", "human", "terminating"],
      "completed, human": ["completed", "human", "ended", "picked_up", "human_disconnected", "human", "terminated"],
      "failed, no_answer": ["failed", "no_answer", "ended", "created", "human_unanswered", null, "terminated"],
      "failed, busy": ["failed", "busy", "ended", "created", "call_did_not_connect", null, "terminated"],
      "failed, invalid_number": ["failed", "invalid_number", "error", "created", "call_did_not_connect", null, "terminated"],
      "failed before dialing, provider_error": ["failed", "provider_error", "error", "created", "call_did_not_connect", null, "terminated"],
      "answered, then provider_error": ["failed", "provider_error", "error", "picked_up", "bot_disconnected", null, "terminated"],
      "in-progress, voicemail": ["in-progress", "voicemail", "in_progress", "picked_up", null, "no_human", "progressing"],
      "completed, voicemail": ["completed", "voicemail", "ended", "picked_up", "bot_disconnected", "no_human", "terminated"],
      "hung up by the API before pickup": ["failed", "hung_up_by_api", "ended", "created", "call_did_not_connect", null, "terminated"],
      "hung up by the API on the line": ["failed", "hung_up_by_api", "ended", "picked_up", "bot_disconnected", null, "terminated"],
      "transfer under way": ["in-progress", "transferred", "in_progress", "transfer_started", null, "human", "pausing"],
      "transfer completed": ["completed", "transferred", "ended", "transfer_successful", "transfer_disconnected", "human", "terminated"],
      "transfer failed": ["failed", "transferred", "ended", "transfer_started", "transfer_unanswered", "human", "terminated"],
      // Refused by the contact policy (outcome refused; it was canceled): Vocode still reads it as ended, with do_not_call_result.
      "do-not-call, never dialed": ["canceled", "refused", "ended", "created", "call_did_not_connect", null, "terminated"],
    };
    expect([...seen.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, row] of Object.entries(expected)) {
      const s = seen.get(name)!;
      const { vocode: v } = s;
      expect([s.core.status, s.core.outcome, v.status, v.stage, v.stage_outcome, v.human_detection_result, s.aicall], name).toEqual(row);
      expect(v.error_message === null, name).toBe(v.status !== "error");
    }
  });

  it("reaches every Vocode enum value", () => {
    const all = [...seen.values()].map((s) => s.vocode);
    expect(new Set(all.map((v) => v.status))).toEqual(new Set(VOCODE_STATUSES));
    expect(new Set(all.map((v) => v.stage))).toEqual(new Set(VOCODE_STAGES));
    expect(new Set(all.map((v) => v.stage_outcome).filter(Boolean))).toEqual(new Set(VOCODE_STAGE_OUTCOMES));
    expect(new Set(all.map((v) => v.human_detection_result).filter(Boolean))).toEqual(new Set(VOCODE_HUMAN_DETECTION));
  });

  it("reaches every AIcall status except those the table declares impossible", () => {
    const reached = new Set([...seen.values()].map((s) => s.aicall));
    expect(VOIPBIN_MAPPING.unreachable).toEqual(["resuming"]);
    expect(reached).toEqual(new Set(AICALL_STATUSES.filter((s) => !(VOIPBIN_MAPPING.unreachable as readonly string[]).includes(s))));
  });

  it("has one row per core status in each table", () => {
    expect(Object.keys(VOCODE_MAPPING.status).sort()).toEqual([...CALL_STATUSES].sort());
    expect(Object.keys(VOIPBIN_MAPPING.status).sort()).toEqual([...CALL_STATUSES].sort());
    expect(Object.keys(VOCODE_MAPPING.stageOutcome).sort()).toEqual([...VOCODE_STAGES].sort());
  });
});

describe("one core: a call placed through any surface is the same call everywhere", () => {
  it("Vocode, VoIPbin and /api/v1 see each other's calls, and one end is seen by all", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const agent = await createAgent(key);
    const patient = (await call("/api/v1/patients", { key, method: "POST", json: { firstName: "Ada", lastName: "L", phoneNumber: uniquePhone() } })).body;

    const viaVocode = (await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id })).id as string;
    const viaVoipbin = (
      await voipbin("/v1.0/aicalls", key, { method: "POST", json: { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: patient.patient_id } })
    ).body.id as string;
    const viaCore = (await call("/api/v1/calls", { key, method: "POST", json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } })).body.calls[0]
      .callId as string;
    const ids = [viaVocode, viaVoipbin, viaCore];

    // Every list holds the three, and only them.
    expect((await listCalls(key)).data.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    expect((await vocode("/v1/calls/list?size=100", key)).body.items.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    expect((await voipbin("/v1.0/aicalls", key)).body.result.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const [core, v, a] = [await getCall(key, id), await vocodeGet(key, id), await aicallGet(key, id)];
      expect(core.patient.patient_id).toBe(patient.patient_id);
      expect(v).toMatchObject({ id, to_number: patient.phone_number, status: "not_started" });
      expect(v.agent.id).toBe(agent.id);
      expect(a).toMatchObject({ id, reference_id: patient.patient_id, assistance_id: agent.id, status: "initiating" });
    }
    // One row each in the one calls table.
    const rows = await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ?").bind(tenant.id).all<{ id: string }>();
    expect(rows.results.map((r) => r.id).sort()).toEqual([...ids].sort());

    // End the VoIPbin-placed call through Vocode, the Vocode-placed one through VoIPbin, the core's through the core.
    expect((await vocode(`/v1/calls/end?id=${viaVoipbin}`, key, { method: "POST" })).status).toBe(200);
    expect((await voipbin(`/v1.0/aicalls/${viaVocode}/terminate`, key, { method: "POST" })).status).toBe(200);
    expect((await call(`/api/v1/calls/${viaCore}`, { key, method: "DELETE" })).status).toBe(200);
    for (const id of ids) {
      expect((await getCall(key, id)).status).toBe("failed");
      expect((await vocodeGet(key, id)).status).toBe("ended");
      expect((await aicallGet(key, id)).status).toBe("terminated");
      // Already ended: a second end anywhere does not hang up again.
      expect((await vocode(`/v1/calls/end?id=${id}`, key, { method: "POST" })).status).toBe(400);
      expect((await call(`/api/v1/calls/${id}/events`, { key })).body.data.filter((e: any) => e.type === "hangup")).toHaveLength(1);
    }
  });
});

describe("OpenAPI", () => {
  it("documents both surfaces", async () => {
    const doc = (await call("/openapi.json")).body;
    for (const path of ["/v1/calls/create", "/v1/calls", "/v1/calls/list", "/v1/calls/end", "/v1.0/aicalls", "/v1.0/aicalls/{id}", "/v1.0/aicalls/{id}/terminate"]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.VocodeCall).toBeDefined();
    expect(doc.components.schemas.VoipbinAIcall).toBeDefined();
    expect(doc.components.securitySchemes.VoipbinAccessKey).toMatchObject({ type: "apiKey", in: "query", name: "accesskey" });
  });
});
