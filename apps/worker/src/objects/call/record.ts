import type { CallStatus } from "@switchboard/schemas";
import { attemptPolicy } from "./rules";
import type { CallState } from "./state";

/** The call row and agent the object needs to place a call, read from D1 at each attempt. */
export interface CallRecord extends DispatchRecord {
  id: string;
  tenant_id: string;
  status: CallStatus;
  provider: string;
  phone_number: string;
  reason: string | null;
  recording: number;
  client_metadata: string | null;
  agent_id: string;
  agent_name: string;
  agent_provider: string;
  agent_settings: string;
  hipaa_compliant: number | null;
  campaign_id: string | null;
  patient_timezone: string | null;
  last_seq: number;
}

export function loadCallRecord(db: D1Database, callId: string): Promise<CallRecord | null> {
  return db.prepare(
    `SELECT c.id, c.tenant_id, c.status, c.provider, c.phone_number, c.reason, c.recording, c.client_metadata,
            c.campaign_id, a.id AS agent_id, a.name AS agent_name, a.provider AS agent_provider, a.settings AS agent_settings,
            co.hipaa_compliant,
            cp.status AS campaign_status, p.timezone AS patient_timezone,
            (SELECT coalesce(max(e.seq), 0) FROM call_events e WHERE e.call_id = c.id) AS last_seq,
            EXISTS (SELECT 1 FROM opt_outs o WHERE o.tenant_id = c.tenant_id AND o.phone_number = c.phone_number
                                               AND o.opted_in_at IS NULL) AS opted_out
       FROM calls c JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id
       LEFT JOIN campaigns cp ON cp.id = c.campaign_id
       LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id
       LEFT JOIN call_options co ON co.call_id = c.id AND co.tenant_id = c.tenant_id
      WHERE c.id = ?`,
  )
    .bind(callId)
    .first<CallRecord>();
}

/** The state a call object starts from when it first hears of its call; history continues after `last_seq`. */
export function initialState(record: CallRecord): CallState {
  return {
    callId: record.id,
    tenantId: record.tenant_id,
    status: record.status,
    outcome: null,
    provider: record.provider,
    providerCallId: null,
    startedAt: null,
    endedAt: null,
    finalReport: null,
    transcript: null,
    recordingUrl: null,
    seq: record.last_seq,
    redactContent: record.hipaa_compliant === 1,
    attempt: 0,
    policy: attemptPolicy(record.agent_settings),
    nextAttemptAt: null,
    watchdogAt: null,
    campaignId: record.campaign_id,
    timezone: record.patient_timezone,
  };
}

/** The parts of the call row read at each attempt that may forbid dialing. */
export interface DispatchRecord {
  campaign_status: string | null;
  opted_out: number;
}

/** Why an attempt must not be dialed, or null: the campaign was canceled, or the number opted out. */
export function refusalOf(record: DispatchRecord): "campaign_canceled" | "opted_out" | null {
  if (record.campaign_status === "canceled") return "campaign_canceled";
  if (record.opted_out) return "opted_out";
  return null;
}
