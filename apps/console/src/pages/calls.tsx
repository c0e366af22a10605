import { useState } from "preact/hooks";
import { client, ok, type Call } from "../api";
import { dateTime, patientName, seconds } from "../format";
import { useData } from "../hooks";
import { nameOf, useAgents, useCampaignChoices } from "../lookups";
import { Link, navigate } from "../router";
import { Badge, Empty, ErrorBox, Loading, Page, Pager } from "../ui";

const STATUSES = ["scheduled", "queued", "initiating", "dialing", "in-progress", "summarizing", "awaiting-retry", "completed", "failed", "canceled"];
const OUTCOMES = ["human", "voicemail", "no_answer", "busy", "invalid_number", "transferred", "hung_up_by_api", "provider_error", "canceled"];
/** The query parameters of GET /api/v1/calls the page keeps in its own URL, so a search can be shared. */
const FILTERS = ["status", "outcome", "agent_id", "batch_id", "patient_id", "from", "to"] as const;

export function CallsTable(props: { calls: Call[]; agents?: { id: string; name: string }[]; showCampaign?: boolean }) {
  if (!props.calls.length) return <Empty>No calls.</Empty>;
  return (
    <table class="table" data-testid="calls">
      <thead>
        <tr>
          <th>Created</th>
          <th>Patient</th>
          <th>Phone</th>
          <th>Status</th>
          <th>Outcome</th>
          <th>Agent</th>
          {props.showCampaign && <th>Campaign</th>}
          <th class="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {props.calls.map((call) => (
          <tr key={call.id} data-call={call.id}>
            <td>
              <Link href={`/calls/${call.id}`}>{dateTime(call.created_at)}</Link>
            </td>
            <td>{call.patient ? <Link href={`/patients/${call.patient.patient_id}`}>{patientName(call.patient)}</Link> : patientName(null)}</td>
            <td class="mono">{call.phone_number}</td>
            <td>
              <Badge value={call.status} />
            </td>
            <td>
              <Badge value={call.outcome} kind="outcome" />
            </td>
            <td>{nameOf(props.agents, call.agent_id)}</td>
            {props.showCampaign && <td>{call.batch_id ? <Link href={`/campaigns/${call.batch_id}`}>{call.batch_id.slice(0, 8)}</Link> : "—"}</td>}
            <td class="num">{seconds(call.duration)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A local date (YYYY-MM-DD) as the instant its day starts here, or ends (`end`). */
function dayBoundary(day: string, end: boolean): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y!, m! - 1, d! + (end ? 1 : 0)).toISOString();
}

export function Calls(props: { query: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, props.query.get(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const start = Number(props.query.get("start") ?? 1) || 1;
  const [draft, setDraft] = useState(filters);
  const agents = useAgents();
  const campaigns = useCampaignChoices();
  const key = props.query.toString();
  const page = useData(
    async (signal) =>
      ok(
        await client.GET("/api/v1/calls", {
          params: {
            query: {
              size: 50,
              start,
              status: filters.status || undefined,
              outcome: filters.outcome || undefined,
              agent_id: filters.agent_id || undefined,
              batch_id: filters.batch_id || undefined,
              patient_id: filters.patient_id || undefined,
              created_after: filters.from ? dayBoundary(filters.from, false) : undefined,
              created_before: filters.to ? dayBoundary(filters.to, true) : undefined,
            },
          },
          signal,
        }),
      ),
    [key],
    5000,
  );
  const apply = (next: Record<string, string>) => {
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v));
    navigate(`/calls${q.size ? `?${q}` : ""}`);
  };
  const field = (name: (typeof FILTERS)[number]) => ({
    name,
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <Page title="Calls" subtitle="Every call of the clinic; filter by status, outcome, agent, campaign and date.">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label>
          Status
          <select {...field("status")}>
            <option value="">any</option>
            <option value="initiating,dialing,in-progress,summarizing">live</option>
            <option value="scheduled,queued,awaiting-retry">waiting</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select {...field("outcome")}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent
          <select {...field("agent_id")}>
            <option value="">any</option>
            {agents.data?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Campaign
          <select {...field("batch_id")}>
            <option value="">any</option>
            {filters.batch_id && !campaigns.data?.some((c) => c.id === filters.batch_id) && <option value={filters.batch_id}>{filters.batch_id.slice(0, 8)}</option>}
            {campaigns.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name ?? c.id.slice(0, 8)} ({new Date(c.created_at).toLocaleDateString()})
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" {...field("from")} />
        </label>
        <label>
          To
          <input type="date" {...field("to")} />
        </label>
        <div class="filter-buttons">
          <button class="primary" type="submit">
            Search
          </button>
          <button
            type="button"
            onClick={() => {
              const none = Object.fromEntries(FILTERS.map((f) => [f, ""])) as typeof filters;
              setDraft(none);
              apply(none);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {filters.patient_id && (
        <p class="muted">
          Calls to one patient (<Link href={`/patients/${filters.patient_id}`}>their page</Link>).
        </p>
      )}
      <ErrorBox error={page.error} />
      {!page.data ? (
        <Loading what="calls" />
      ) : (
        <>
          <CallsTable calls={page.data.data} agents={agents.data} showCampaign />
          <Pager pagination={page.data.pagination} go={(s) => apply({ ...filters, start: String(s) })} />
        </>
      )}
    </Page>
  );
}
