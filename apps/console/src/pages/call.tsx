import { client, ok, type CallEvent } from "../api";
import { dateTime, HANGUP_STATUSES, isReasonCode, patientName, reasonLabel, seconds, TERMINAL_STATUSES, time, words } from "../format";
import { useData } from "../hooks";
import { nameOf, useAgents } from "../lookups";
import { Link } from "../router";
import { ActionButton, Badge, Empty, ErrorBox, Json, KeyValues, Loading, Page, Panel, PolicyDecisionView } from "../ui";

/** The history's details the timeline has columns for; anything else is shown as is. */
const SHOWN = new Set(["provider", "from", "to", "attempt", "reason", "outcome"]);

/** Event types the timeline names in words (the type itself stays in a tooltip). */
const EVENT_WORDS: Record<string, string> = {
  "policy.deferred": "Contact policy: deferred",
  "policy.refused": "Contact policy: refused",
};

/** The Reason cell: a policy code in words (the code as a tooltip), else the reason or outcome as written. */
function ReasonCell(props: { event: CallEvent; detail: Record<string, unknown> }) {
  const { event, detail: d } = props;
  if (typeof d.reason === "string" && isReasonCode(d.reason)) {
    return (
      <span title={d.reason} class={event.type === "policy.refused" ? "bad" : undefined}>
        {reasonLabel(d.reason)}
      </span>
    );
  }
  return <>{typeof d.reason === "string" ? d.reason : typeof d.outcome === "string" ? d.outcome : ""}</>;
}

/** Details left after the columns: a policy event's `until` and other reasons in words, anything else as JSON. */
function detailsOf(event: CallEvent, rest: Record<string, unknown>): string {
  if (!event.type.startsWith("policy.")) return Object.keys(rest).length ? JSON.stringify(rest) : "";
  const { until, reasons, ...other } = rest;
  const parts: string[] = [];
  if (typeof until === "string") parts.push(`until ${dateTime(until)}`);
  const also = Array.isArray(reasons) ? reasons.filter((r) => r !== (event.detail as Record<string, unknown>).reason) : [];
  if (also.length) parts.push(`also ${also.map((r) => reasonLabel(String(r))).join(", ")}`);
  if (Object.keys(other).length) parts.push(JSON.stringify(other));
  return parts.join(" · ");
}

function vendorOf(event: CallEvent): string {
  const d = (event.detail ?? {}) as Record<string, unknown>;
  if (typeof d.provider === "string") return d.provider;
  if (typeof d.from === "string" && typeof d.to === "string") return `${d.from} → ${d.to}`;
  return "";
}

function Timeline(props: { events: CallEvent[] }) {
  if (!props.events.length) return <Empty>No history yet.</Empty>;
  return (
    <table class="table timeline" data-testid="timeline">
      <thead>
        <tr>
          <th>Time</th>
          <th>Event</th>
          <th>Transition</th>
          <th>Vendor</th>
          <th>Attempt</th>
          <th>Reason</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => {
          const d = (e.detail ?? {}) as Record<string, unknown>;
          const rest = Object.fromEntries(Object.entries(d).filter(([k]) => !SHOWN.has(k)));
          return (
            <tr key={e.seq} class={e.type.startsWith("policy.") ? "policy-row" : undefined}>
              <td class="mono" title={e.at}>
                {time(e.at)}
              </td>
              <td title={e.type}>{EVENT_WORDS[e.type] ?? e.type}</td>
              <td>{e.to_status ? `${e.from_status ?? "—"} → ${e.to_status}` : ""}</td>
              <td>{vendorOf(e)}</td>
              <td class="num">{typeof d.attempt === "number" ? d.attempt : ""}</td>
              <td>
                <ReasonCell event={e} detail={d} />
              </td>
              <td class="small mono">{detailsOf(e, rest)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function CallPage(props: { id: string }) {
  const callId = props.id;
  const agents = useAgents();
  const live = (status: string) => (TERMINAL_STATUSES.includes(status) ? undefined : 2000);
  const call = useData(async (signal) => ok(await client.GET("/api/v1/calls/{callId}", { params: { path: { callId } }, signal })), [callId], (c) => live(c.status));
  const events = useData(
    async (signal) => ok(await client.GET("/api/v1/calls/{callId}/events", { params: { path: { callId } }, signal })).data,
    [callId],
    () => (call.data && !live(call.data.status) ? undefined : 2000),
  );
  if (!call.data) return <Page title="Call">{call.error ? <ErrorBox error={call.error} /> : <Loading what="the call" />}</Page>;
  const c = call.data;
  return (
    <Page
      title={`Call to ${patientName(c.patient)}`}
      subtitle={
        <span data-testid="call-status">
          <Badge value={c.status} /> <Badge value={c.outcome} kind="outcome" />
        </span>
      }
      actions={
        HANGUP_STATUSES.includes(c.status) && (
          <ActionButton
            label="Hang up"
            danger
            confirm="Hang up this call now? The patient is cut off."
            action={async () => ok(await client.DELETE("/api/v1/calls/{callId}", { params: { path: { callId } } }))}
            done={() => {
              call.reload();
              events.reload();
            }}
          />
        )
      }
    >
      <Panel title="Call">
        <KeyValues
          rows={[
            ["Patient", c.patient ? <Link href={`/patients/${c.patient.patient_id}`}>{patientName(c.patient)}</Link> : patientName(null)],
            ["Number", <span class="mono">{c.phone_number}</span>],
            ["Agent", nameOf(agents.data, c.agent_id)],
            ["Campaign", c.batch_id ? <Link href={`/campaigns/${c.batch_id}`}>{c.batch_id.slice(0, 8)}</Link> : "—"],
            ["Purpose", words(c.purpose)],
            ["Created", dateTime(c.created_at)],
            ["Dialed", dateTime(c.started_at)],
            ["Ended", dateTime(c.ended_at)],
            ["Duration", seconds(c.duration)],
            ["Recording", c.recording_url ? <a href={c.recording_url} rel="noreferrer">the vendor's recording</a> : "—"],
          ]}
        />
        <KeyValues wide rows={[["Contact policy", <PolicyDecisionView policy={c.policy} />]]} />
      </Panel>
      <Panel title="Timeline">{events.data ? <Timeline events={events.data} /> : <ErrorBox error={events.error} />}</Panel>
      <Panel title="Final report">
        {c.final_report ? (
          <KeyValues rows={Object.entries(c.final_report).map(([k, v]) => [k, typeof v === "object" && v !== null ? <Json value={v} /> : String(v)])} />
        ) : (
          <Empty>{TERMINAL_STATUSES.includes(c.status) ? "No report." : "The report comes when the call ends."}</Empty>
        )}
      </Panel>
      {c.client_metadata && Object.keys(c.client_metadata).length > 0 && (
        <Panel title="Data sent with the call">
          <Json value={c.client_metadata} />
        </Panel>
      )}
    </Page>
  );
}
