import { useState } from "preact/hooks";
import { client, ok, type Schemas } from "../api";
import { dateTime, relative, words } from "../format";
import { useData } from "../hooks";
import { Link } from "../router";
import { Badge, Empty, ErrorBox, KeyValues, Loading, Page, Pager, Panel, PolicyDecisionView } from "../ui";

type Consent = Schemas["PatientConsent"];
type Counters = Schemas["ContactCounters"];

/** Whether the patient may be contacted at all: opted out, on the do-not-call list, or neither. */
function ContactState(props: { consent: Consent }) {
  const c = props.consent;
  return (
    <p class="badges" data-testid="consent">
      {c.optedOut && <Badge value="opted out" kind="policy-refuse" />}
      {c.onDoNotCallList && <Badge value="on the do-not-call list" kind="policy-refuse" />}
      {!c.optedOut && !c.onDoNotCallList && <Badge value="may be contacted" kind="completed" />}
    </p>
  );
}

/** What the caps see: the health-care exemption's use, contacts per subject, and when the next exempt contact may go. */
function CapsView(props: { counters: Counters }) {
  const { exempt, sameSubject, nextExemptContactAt, recent } = props.counters;
  return (
    <div data-testid="counters">
      <KeyValues
        rows={[
          ["Exempt contacts, last 24 h", `${exempt.last24h} of ${exempt.perDay}`],
          ["Exempt contacts, last 7 days", `${exempt.last7d} of ${exempt.perWeek}`],
          ["Next exempt contact", nextExemptContactAt ? `${dateTime(nextExemptContactAt)} (${relative(nextExemptContactAt)})` : "now"],
          ["Contacts the caps count", String(recent.length)],
        ]}
      />
      {sameSubject.length > 0 && (
        <table class="table compact">
          <thead>
            <tr>
              <th>Subject</th>
              <th class="num">Last 24 h</th>
              <th class="num">State's cap</th>
            </tr>
          </thead>
          <tbody>
            {sameSubject.map((s) => (
              <tr key={s.subject}>
                <td>{s.subject}</td>
                <td class="num">{s.last24h}</td>
                <td class="num">{s.max ?? "none"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ConsentLedger(props: { consent: Consent }) {
  const { records, history } = props.consent;
  return (
    <>
      <h3>Grants</h3>
      {records.length ? (
        <table class="table" data-testid="consent-ledger">
          <thead>
            <tr>
              <th>Basis</th>
              <th>For</th>
              <th>Source</th>
              <th>Evidence</th>
              <th>Given</th>
              <th>Number</th>
              <th>In force</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.id}>
                <td>{words(r.basis)}</td>
                <td>{r.scope.join(", ")}</td>
                <td>{words(r.source)}</td>
                <td class="clip">{r.evidence}</td>
                <td>{dateTime(r.givenAt)}</td>
                <td class="mono">{r.phoneNumber}</td>
                <td>{r.current ? <Badge value="yes" kind="completed" /> : r.withdrawnAt ? `withdrawn ${dateTime(r.withdrawnAt)}` : "another number"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">No consent recorded. Exempt health-care purposes need none; billing and other purposes do.</p>
      )}
      <h3>Opt-outs</h3>
      {history.length ? (
        <table class="table" data-testid="opt-outs">
          <thead>
            <tr>
              <th>Opted out</th>
              <th>How</th>
              <th>Opted back in</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={i}>
                <td>{dateTime(h.optedOutAt)}</td>
                <td>
                  {words(h.source)}
                  {h.keyword ? ` (“${h.keyword}”)` : ""}
                </td>
                <td>{h.optedInAt ? `${dateTime(h.optedInAt)} (${words(h.optInSource)})` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">No opt-out on record for this number.</p>
      )}
    </>
  );
}

export function PatientPage(props: { id: string }) {
  const patientId = props.id;
  const [start, setStart] = useState(1);
  const patient = useData(async (signal) => ok(await client.GET("/api/v1/patients/{patientId}", { params: { path: { patientId } }, signal })), [patientId]);
  const consent = useData(async (signal) => ok(await client.GET("/api/v1/patients/{patientId}/consent", { params: { path: { patientId } }, signal })), [patientId], 10_000);
  // Every call and text with the policy's decision, and the caps' counters: one endpoint, one source of truth.
  const contacts = useData(
    async (signal) => ok(await client.GET("/api/v1/patients/{patientId}/contacts", { params: { path: { patientId }, query: { size: 25, start } }, signal })),
    [patientId, start],
    10_000,
  );
  // The chat's thread (the texts' words, both ways), which the contact history leaves out.
  const thread = useData(
    async (signal) => {
      const chat = ok(await client.GET("/api/v1/chats", { params: { query: { patient_id: patientId } }, signal })).data[0];
      const messages = chat ? ok(await client.GET("/api/v1/chats/{chatId}/messages", { params: { path: { chatId: chat.id }, query: { size: 100 } }, signal })).data : [];
      return { chat, messages };
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
              ["State", p.state],
              ["Added", dateTime(p.created_at)],
            ]}
          />
        </Panel>
        <Panel title="May we contact them?">
          {consent.data ? <ContactState consent={consent.data} /> : <ErrorBox error={consent.error} />}
          {contacts.data ? <CapsView counters={contacts.data.counters} /> : <ErrorBox error={contacts.error} />}
        </Panel>
      </div>
      <Panel title="Contact history">
        {!contacts.data ? (
          <ErrorBox error={contacts.error} />
        ) : contacts.data.data.length === 0 ? (
          <Empty>No call or text yet.</Empty>
        ) : (
          <>
            <table class="table" data-testid="contacts">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Channel</th>
                  <th>Status</th>
                  <th>Outcome</th>
                  <th>Purpose</th>
                  <th>Contact policy</th>
                  <th>Counted</th>
                </tr>
              </thead>
              <tbody>
                {contacts.data.data.map((c) => (
                  <tr key={`${c.channel}:${c.id}`}>
                    <td>{c.channel === "call" ? <Link href={`/calls/${c.id}`}>{dateTime(c.at)}</Link> : dateTime(c.at)}</td>
                    <td>{c.channel === "sms" ? "text" : "call"}</td>
                    <td>
                      <Badge value={c.status.toLowerCase()} />
                    </td>
                    <td>{c.outcome ?? ""}</td>
                    <td>{words(c.purpose)}</td>
                    <td>
                      <PolicyDecisionView policy={c.policy} />
                    </td>
                    <td title="Among the contacts the caps count now (made through a real vendor in the last 7 days)">{c.counted ? "yes" : "no"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager pagination={contacts.data.pagination} go={setStart} />
          </>
        )}
      </Panel>
      <Panel title="Consent">{consent.data ? <ConsentLedger consent={consent.data} /> : <ErrorBox error={consent.error} />}</Panel>
      <Panel title="Messages">
        {!thread.data ? (
          <ErrorBox error={thread.error} />
        ) : !thread.data.chat ? (
          <Empty>No chat with this patient yet.</Empty>
        ) : thread.data.messages.length === 0 ? (
          <Empty>The chat has no messages.</Empty>
        ) : (
          <ol class="thread" data-testid="messages">
            {[...thread.data.messages].reverse().map((m) => (
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
