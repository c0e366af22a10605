import { client, ok, type Schemas } from "../api";
import { dateTime } from "../format";
import { useData } from "../hooks";
import { Link } from "../router";
import { Badge, Empty, ErrorBox, KeyValues, Loading, Page, Panel } from "../ui";

type Message = Schemas["CommsMessage"];
type Contact = { at: string; kind: "call" | "text"; status: string; detail: string; href?: string; direction: string };

/**
 * Everything sent to or received from the patient, newest first, from the calls and the chat.
 * (A dedicated contact-history endpoint with each policy decision is planned; this view then reads it.)
 */
function contacts(calls: Schemas["Call"][], messages: Message[]): Contact[] {
  return [
    ...calls.map((c) => ({ at: c.created_at, kind: "call" as const, status: c.status, detail: c.outcome ?? "", href: `/calls/${c.id}`, direction: "outbound" })),
    ...messages.map((m) => ({
      at: m.createdDate,
      kind: "text" as const,
      status: m.status,
      detail: m.content ?? "",
      direction: m.sender.type === "PATIENT" ? "inbound" : "outbound",
    })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

export function PatientPage(props: { id: string }) {
  const patientId = props.id;
  const patient = useData(async (signal) => ok(await client.GET("/api/v1/patients/{patientId}", { params: { path: { patientId } }, signal })), [patientId]);
  const consent = useData(async (signal) => ok(await client.GET("/api/v1/patients/{patientId}/consent", { params: { path: { patientId } }, signal })), [patientId]);
  const history = useData(
    async (signal) => {
      const [calls, chats] = await Promise.all([
        client.GET("/api/v1/calls", { params: { query: { patient_id: patientId, size: 100 } }, signal }).then(ok),
        client.GET("/api/v1/chats", { params: { query: { patient_id: patientId } }, signal }).then(ok),
      ]);
      const chat = chats.data[0];
      const messages = chat ? ok(await client.GET("/api/v1/chats/{chatId}/messages", { params: { path: { chatId: chat.id }, query: { size: 100 } }, signal })).data : [];
      return { calls: calls.data, chat, messages };
    },
    [patientId],
    10_000,
  );
  if (!patient.data) return <Page title="Patient">{patient.error ? <ErrorBox error={patient.error} /> : <Loading what="the patient" />}</Page>;
  const p = patient.data;
  return (
    <Page title={`${p.first_name} ${p.last_name}`} subtitle={<Link href={`/calls?patient_id=${patientId}`}>All their calls →</Link>}>
      <div class="columns">
        <Panel title="Patient">
          <KeyValues
            rows={[
              ["Phone", <span class="mono">{p.phone_number ?? "—"}</span>],
              ["Email", p.email],
              ["Born", p.birth_date],
              ["Time zone", p.timezone],
              ["Added", dateTime(p.created_at)],
            ]}
          />
        </Panel>
        <Panel title="Consent">
          {!consent.data ? (
            <ErrorBox error={consent.error} />
          ) : (
            <>
              <p data-testid="consent">
                {consent.data.optedOut ? <Badge value="opted out" kind="failed" /> : <Badge value="may be contacted" kind="completed" />}
              </p>
              {consent.data.history.length ? (
                <table class="table">
                  <thead>
                    <tr>
                      <th>Opted out</th>
                      <th>How</th>
                      <th>Opted back in</th>
                    </tr>
                  </thead>
                  <tbody>
                    {consent.data.history.map((h, i) => (
                      <tr key={i}>
                        <td>{dateTime(h.optedOutAt)}</td>
                        <td>
                          {h.source}
                          {h.keyword ? ` (“${h.keyword}”)` : ""}
                        </td>
                        <td>{h.optedInAt ? `${dateTime(h.optedInAt)} (${h.optInSource ?? ""})` : "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted small">No opt-out on record for this number.</p>
              )}
            </>
          )}
        </Panel>
      </div>
      <Panel title="Contact history">
        {!history.data ? (
          <ErrorBox error={history.error} />
        ) : contacts(history.data.calls, history.data.messages).length === 0 ? (
          <Empty>No call or text yet.</Empty>
        ) : (
          <table class="table" data-testid="contacts">
            <thead>
              <tr>
                <th>When</th>
                <th>Kind</th>
                <th>Direction</th>
                <th>Status</th>
                <th>Outcome / text</th>
              </tr>
            </thead>
            <tbody>
              {contacts(history.data.calls, history.data.messages).map((c, i) => (
                <tr key={i}>
                  <td>{c.href ? <Link href={c.href}>{dateTime(c.at)}</Link> : dateTime(c.at)}</td>
                  <td>{c.kind}</td>
                  <td>{c.direction}</td>
                  <td>
                    <Badge value={c.status.toLowerCase()} />
                  </td>
                  <td class="clip">{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Messages">
        {!history.data ? null : !history.data.chat ? (
          <Empty>No chat with this patient yet.</Empty>
        ) : history.data.messages.length === 0 ? (
          <Empty>The chat has no messages.</Empty>
        ) : (
          <ol class="thread" data-testid="messages">
            {[...history.data.messages].reverse().map((m) => (
              <li key={m.id} class={m.sender.type === "PATIENT" ? "in" : "out"}>
                <p>{m.content}</p>
                <span class="muted small">
                  {m.sender.firstName} {m.sender.lastName} · {dateTime(m.createdDate)} · {m.status}
                  {m.files?.length ? ` · ${m.files.length} file(s)` : ""}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Panel>
    </Page>
  );
}
