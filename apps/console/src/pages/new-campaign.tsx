import { useState } from "preact/hooks";
import { client, ok, type CallPreview, type Patient, type Schemas } from "../api";
import { dateTime, reasonLabel, relative, seconds, words } from "../format";
import { messageOf, useData } from "../hooks";
import { useAgents, usePolicySettings } from "../lookups";
import { navigate } from "../router";
import { Badge, ErrorBox, KeyValues, Page, Panel, ReasonChips } from "../ui";

type Purpose = NonNullable<Schemas["ContactPurpose"]>;

/** What the dry run says the batch would do, and for whom (refused and deferred patients by name). */
function PreviewView(props: { preview: CallPreview; names: Map<string, Patient> }) {
  const { preview: p, names } = props;
  const e = p.estimate;
  const name = (id: string) => {
    const patient = names.get(id);
    return patient ? `${patient.first_name} ${patient.last_name}` : id.slice(0, 8);
  };
  const held = p.calls.filter((c) => c.decision !== "allow");
  return (
    <div data-testid="preview">
      <ul class="figures">
        <li>
          <span data-testid="preview-start-now">
            <b>{p.startNow}</b> start now
          </span>
        </li>
        <li>
          <span data-testid="preview-waiting">
            <b>{p.waitingForLine}</b> wait for a line
          </span>
        </li>
        <li>
          <span data-testid="preview-deferred">
            <b>{p.deferred.total}</b> wait for the contact policy
          </span>
          {p.deferred.total > 0 && (
            <>
              <ReasonChips byReason={p.deferred.byReason} kind="defer" testId="preview-deferred-reasons" />
              <span class="small">
                until {p.deferred.earliest === p.deferred.latest ? dateTime(p.deferred.latest) : `${dateTime(p.deferred.earliest)} – ${dateTime(p.deferred.latest)}`}
              </span>
            </>
          )}
        </li>
        <li class={p.refused.total ? "bad" : undefined}>
          <span data-testid="preview-refused">
            <b>{p.refused.total}</b> refused
          </span>
          {p.refused.total > 0 && <ReasonChips byReason={p.refused.byReason} kind="refuse" testId="preview-refused-reasons" />}
        </li>
      </ul>
      <KeyValues
        rows={[
          ["Expected finish", <span data-testid="preview-finish">{e.finishesAt ? `${dateTime(e.finishesAt)} (${relative(e.finishesAt)})` : "no call will be made"}</span>],
          ["Dialing", !e.firstDialAt ? "—" : e.firstDialAt === e.lastDialAt ? `at ${dateTime(e.firstDialAt)}` : `from ${dateTime(e.firstDialAt)} to ${dateTime(e.lastDialAt)}`],
          ["Lines", `${e.lines} (${e.busyLines} busy now, ${e.queuedAhead} call${e.queuedAhead === 1 ? "" : "s"} waiting ahead)`],
          ["Time per call", `about ${seconds(e.averageCallSeconds)}`],
          ["Purpose", words(p.purpose)],
        ]}
      />
      {held.length > 0 && (
        <table class="table compact" data-testid="preview-held">
          <thead>
            <tr>
              <th>Patient</th>
              <th>Decision</th>
              <th>Why</th>
              <th>Dialed</th>
            </tr>
          </thead>
          <tbody>
            {held.map((c) => (
              <tr key={c.index}>
                <td>{name(c.patientId)}</td>
                <td>
                  <Badge value={c.decision === "refuse" ? "refused" : "deferred"} kind={`policy-${c.decision}`} />
                </td>
                <td title={c.reason ?? ""}>{reasonLabel(c.reason)}</td>
                <td>{c.dialAt ? dateTime(c.dialAt) : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted small">Evaluated for {dateTime(p.evaluatedAt)}. Nothing was dialed or stored; the policy decides again before every call.</p>
    </div>
  );
}

/** Places a batch of calls (POST /api/v1/calls) for patients picked here. */
export function NewCampaign() {
  const agents = useAgents();
  const policy = usePolicySettings();
  const [q, setQ] = useState("");
  const [preview, setPreview] = useState<{ for: string; result: CallPreview }>();
  const [previewing, setPreviewing] = useState(false);
  const [picked, setPicked] = useState<Map<string, Patient>>(new Map());
  const [form, setForm] = useState({ name: "", agentId: "", reason: "", scheduledAt: "", purpose: "" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const found = useData(async (signal) => ok(await client.GET("/api/v1/patients", { params: { query: { size: 50, q: q.trim() || undefined } }, signal })).data, [q]);
  const toggle = (p: Patient) => {
    const next = new Map(picked);
    if (next.has(p.patient_id)) next.delete(p.patient_id);
    else next.set(p.patient_id, p);
    setPicked(next);
  };
  const agentId = form.agentId || agents.data?.[0]?.id || "";
  // One body for the dry run and the real thing, so the preview is of exactly what Start places.
  const body = () => ({
    patients: [...picked.keys()].map((patientId) => ({ patientId })),
    agentId,
    name: form.name || undefined,
    reason: form.reason || undefined,
    purpose: (form.purpose || undefined) as Purpose | undefined,
    scheduledAt: form.scheduledAt ? new Date(form.scheduledAt).toISOString() : undefined,
  });
  // A preview is shown only while the form still says what it was computed for.
  const current = preview && preview.for === JSON.stringify(body()) ? preview.result : undefined;
  const runPreview = async () => {
    setPreviewing(true);
    setError(undefined);
    try {
      const sent = body();
      setPreview({ for: JSON.stringify(sent), result: ok(await client.POST("/api/v1/calls/preview", { body: sent })) });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setPreviewing(false);
    }
  };
  return (
    <Page title="New campaign" subtitle="Calls the patients you pick with one agent, now or at a set time.">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const created = ok(await client.POST("/api/v1/calls", { body: body() }));
            navigate(`/campaigns/${created.batchId}`);
          } catch (err) {
            setError(messageOf(err));
            setBusy(false);
          }
        }}
      >
        <Panel title="Campaign">
          <div class="form-grid">
            <label>
              Name
              <input name="name" value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} placeholder="Tuesday reminders" />
            </label>
            <label>
              Agent
              <select name="agentId" value={agentId} onInput={(e) => setForm({ ...form, agentId: (e.target as HTMLSelectElement).value })}>
                {agents.data?.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.provider})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Reason
              <input name="reason" value={form.reason} onInput={(e) => setForm({ ...form, reason: (e.target as HTMLInputElement).value })} placeholder="appointment reminder" />
            </label>
            <label>
              Purpose
              <select name="purpose" value={form.purpose} onInput={(e) => setForm({ ...form, purpose: (e.target as HTMLSelectElement).value })}>
                <option value="">default</option>
                {policy.data?.purposes.map((p) => (
                  <option key={p.purpose} value={p.purpose ?? ""}>
                    {words(p.purpose)}
                    {p.exempt ? " (health-care exempt)" : p.consent !== "none" ? " (needs consent)" : ""}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Start at (empty: now)
              <input name="scheduledAt" type="datetime-local" value={form.scheduledAt} onInput={(e) => setForm({ ...form, scheduledAt: (e.target as HTMLInputElement).value })} />
            </label>
          </div>
        </Panel>
        <Panel title={`Patients (${picked.size} picked)`}>
          <label class="grow">
            Find patients
            <input type="search" value={q} placeholder="name, phone or email" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </label>
          <ul class="pick" data-testid="patient-picker">
            {found.data?.map((p) => (
              <li key={p.patient_id}>
                <label>
                  <input type="checkbox" checked={picked.has(p.patient_id)} onChange={() => toggle(p)} disabled={!p.phone_number} />
                  {p.first_name} {p.last_name} <span class="mono muted">{p.phone_number ?? "no phone number"}</span>
                </label>
              </li>
            ))}
          </ul>
        </Panel>
        {current && (
          <Panel title="Preview">
            <PreviewView preview={current} names={picked} />
          </Panel>
        )}
        <ErrorBox error={error ?? agents.error} />
        <div class="actions end">
          <button type="button" disabled={previewing || busy || picked.size === 0 || !agentId} onClick={runPreview}>
            {previewing ? "Previewing…" : "Preview"}
          </button>
          <button class="primary" type="submit" disabled={busy || picked.size === 0 || !agentId}>
            {busy ? "Placing…" : `Call ${picked.size} patient${picked.size === 1 ? "" : "s"}`}
          </button>
        </div>
      </form>
    </Page>
  );
}
