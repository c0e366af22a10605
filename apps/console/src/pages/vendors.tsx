import { useState } from "preact/hooks";
import { client, ok } from "../api";
import { dateTime, seconds } from "../format";
import { useData } from "../hooks";
import { Empty, ErrorBox, Loading, Page, Panel } from "../ui";

export function Vendors() {
  const [hours, setHours] = useState(24);
  const accounts = useData(async (signal) => ok(await client.GET("/api/v1/providers", { signal })).data, []);
  const health = useData(async (signal) => ok(await client.GET("/api/v1/providers/health", { params: { query: { hours } }, signal })), [hours], 15_000);
  return (
    <Page title="Vendors" subtitle="The clinic's voice vendor accounts (secrets masked) and how each did lately.">
      <Panel
        title={`Health over the last ${hours === 24 ? "day" : `${hours} hours`}`}
        actions={
          <div class="segmented">
            {[1, 24, 168].map((h) => (
              <button key={h} class={h === hours ? "on" : ""} onClick={() => setHours(h)}>
                {h === 1 ? "hour" : h === 24 ? "day" : "week"}
              </button>
            ))}
          </div>
        }
      >
        <ErrorBox error={health.error} />
        {!health.data ? (
          <Loading what="health" />
        ) : health.data.data.length === 0 ? (
          <Empty>No placements in this period.</Empty>
        ) : (
          <table class="table" data-testid="health">
            <thead>
              <tr>
                <th>Provider</th>
                <th class="num">Placements tried</th>
                <th class="num">Taken</th>
                <th class="num">Failures</th>
                <th class="num">Failovers</th>
                <th class="num">Answered</th>
                <th class="num">Median time to answer</th>
              </tr>
            </thead>
            <tbody>
              {health.data.data.map((p) => (
                <tr key={p.provider}>
                  <td>{p.provider}</td>
                  <td class="num">{p.attempts}</td>
                  <td class="num">{p.placements}</td>
                  <td class={`num${p.failures ? " bad" : ""}`}>{p.failures}</td>
                  <td class="num">{p.failovers}</td>
                  <td class="num">{p.answered}</td>
                  <td class="num">{seconds(p.medianTimeToAnswerSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Accounts">
        <ErrorBox error={accounts.error} />
        {!accounts.data ? (
          <Loading what="accounts" />
        ) : accounts.data.length === 0 ? (
          <Empty>No vendor account: calls run on the built-in simulator. Add one with PUT /api/v1/providers/{"{provider}"}.</Empty>
        ) : (
          <table class="table" data-testid="accounts">
            <thead>
              <tr>
                <th>Vendor</th>
                <th>API key</th>
                <th>Secret</th>
                <th>From number</th>
                <th>Webhook URL</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.map((a) => (
                <tr key={a.provider}>
                  <td>{a.provider}</td>
                  <td class="mono">{a.apiKey}</td>
                  <td class="mono">{a.apiSecret ?? "—"}</td>
                  <td class="mono">{a.fromNumber ?? "—"}</td>
                  <td class="mono small clip">{a.webhookUrl}</td>
                  <td>{dateTime(a.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </Page>
  );
}
