import { useState } from "preact/hooks";
import { client, ok, type Patient } from "../api";
import { messageOf, useData } from "../hooks";
import { useAgents } from "../lookups";
import { navigate } from "../router";
import { ErrorBox, Page, Panel } from "../ui";

/** Places a batch of calls (POST /api/v1/calls) for patients picked here. */
export function NewCampaign() {
  const agents = useAgents();
  const [q, setQ] = useState("");
  const [picked, setPicked] = useState<Map<string, Patient>>(new Map());
  const [form, setForm] = useState({ name: "", agentId: "", reason: "", scheduledAt: "" });
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
  return (
    <Page title="New campaign" subtitle="Calls the patients you pick with one agent, now or at a set time.">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const created = ok(
              await client.POST("/api/v1/calls", {
                body: {
                  patients: [...picked.keys()].map((patientId) => ({ patientId })),
                  agentId,
                  name: form.name || undefined,
                  reason: form.reason || undefined,
                  scheduledAt: form.scheduledAt ? new Date(form.scheduledAt).toISOString() : undefined,
                },
              }),
            );
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
        <ErrorBox error={error ?? agents.error} />
        <div class="actions">
          <button class="primary" type="submit" disabled={busy || picked.size === 0 || !agentId}>
            {busy ? "Placing…" : `Call ${picked.size} patient${picked.size === 1 ? "" : "s"}`}
          </button>
        </div>
      </form>
    </Page>
  );
}
