import { client, ok } from "../api";
import { dateTime, relative } from "../format";
import { useData } from "../hooks";
import { Link, navigate } from "../router";
import { ActionButton, Badge, Empty, ErrorBox, Json, KeyValues, Loading, Page, Pager, Panel } from "../ui";

export function Webhooks() {
  const endpoints = useData(async (signal) => ok(await client.GET("/api/v1/webhook-endpoints", { params: { query: { size: 100 } }, signal })), [], 10_000);
  return (
    <Page title="Webhooks" subtitle="Where Switchboard sends the clinic's events, and how each delivery went.">
      <ErrorBox error={endpoints.error} />
      {!endpoints.data ? (
        <Loading what="endpoints" />
      ) : endpoints.data.data.length === 0 ? (
        <Empty>No endpoint yet: register one with POST /api/v1/webhook-endpoints.</Empty>
      ) : (
        <table class="table" data-testid="endpoints">
          <thead>
            <tr>
              <th>URL</th>
              <th>Events</th>
              <th>State</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link href={`/webhooks/${e.id}`}>{e.url}</Link>
                  {e.description && <div class="muted small">{e.description}</div>}
                </td>
                <td class="small">{e.events?.join(", ") ?? "all"}</td>
                <td>{e.enabled ? <Badge value="enabled" kind="completed" /> : <Badge value={`disabled (${e.disabled_reason ?? "manual"})`} kind="failed" />}</td>
                <td>{dateTime(e.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;

export function Endpoint(props: { id: string; query: URLSearchParams }) {
  const endpointId = props.id;
  const status = DELIVERY_STATUSES.find((s) => s === props.query.get("status"));
  const start = Number(props.query.get("start") ?? 1) || 1;
  const endpoint = useData(async (signal) => ok(await client.GET("/api/v1/webhook-endpoints/{endpointId}", { params: { path: { endpointId } }, signal })), [endpointId]);
  const deliveries = useData(
    async (signal) => ok(await client.GET("/api/v1/webhook-endpoints/{endpointId}/deliveries", { params: { path: { endpointId }, query: { size: 50, start, status } }, signal })),
    [endpointId, status, start],
    5000,
  );
  const go = (next: { status?: string; start?: number }) => {
    const q = new URLSearchParams();
    if (next.status) q.set("status", next.status);
    if (next.start && next.start > 1) q.set("start", String(next.start));
    navigate(`/webhooks/${endpointId}${q.size ? `?${q}` : ""}`);
  };
  return (
    <Page title={endpoint.data?.url ?? "Endpoint"} subtitle={<Link href="/webhooks">← All endpoints</Link>}>
      <ErrorBox error={endpoint.error} />
      {endpoint.data && (
        <Panel title="Endpoint">
          <KeyValues
            rows={[
              ["State", endpoint.data.enabled ? "enabled" : `disabled (${endpoint.data.disabled_reason ?? "manual"}) ${relative(endpoint.data.disabled_at)}`],
              ["Events", endpoint.data.events?.join(", ") ?? "all"],
              ["Failing since", dateTime(endpoint.data.failing_since)],
              ["Secret rotation", endpoint.data.previous_secret_expires_at ? `old secret signs until ${dateTime(endpoint.data.previous_secret_expires_at)}` : "—"],
            ]}
          />
        </Panel>
      )}
      <Panel
        title="Deliveries"
        actions={
          <div class="segmented">
            {[undefined, ...DELIVERY_STATUSES].map((s) => (
              <button key={s ?? "all"} class={s === status ? "on" : ""} onClick={() => go({ status: s })}>
                {s ?? "all"}
              </button>
            ))}
          </div>
        }
      >
        <ErrorBox error={deliveries.error} />
        {!deliveries.data ? (
          <Loading what="deliveries" />
        ) : deliveries.data.data.length === 0 ? (
          <Empty>No deliveries{status ? ` ${status}` : ""}.</Empty>
        ) : (
          <>
            <table class="table" data-testid="deliveries">
              <thead>
                <tr>
                  <th>Created</th>
                  <th>Event</th>
                  <th>Status</th>
                  <th class="num">Attempts</th>
                  <th>Last answer</th>
                  <th>Next attempt</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.data.map((d) => (
                  <tr key={d.id} data-delivery={d.id}>
                    <td>
                      <Link href={`/webhooks/${endpointId}/deliveries/${d.id}`}>{dateTime(d.created_at)}</Link>
                    </td>
                    <td>{d.event_type}</td>
                    <td>
                      <Badge value={d.status} />
                    </td>
                    <td class="num">{d.attempts}</td>
                    <td>{d.last_status_code ?? d.last_error ?? "—"}</td>
                    <td>{d.next_attempt_at ? relative(d.next_attempt_at) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager pagination={deliveries.data.pagination} go={(s) => go({ status, start: s })} />
          </>
        )}
      </Panel>
    </Page>
  );
}

export function Delivery(props: { endpointId: string; id: string }) {
  const { endpointId, id: deliveryId } = props;
  const delivery = useData(
    async (signal) => ok(await client.GET("/api/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}", { params: { path: { endpointId, deliveryId } }, signal })),
    [endpointId, deliveryId],
    (d) => (d.status === "pending" ? 2000 : undefined),
  );
  if (!delivery.data) return <Page title="Delivery">{delivery.error ? <ErrorBox error={delivery.error} /> : <Loading what="the delivery" />}</Page>;
  const d = delivery.data;
  return (
    <Page
      title={`${d.event_type} delivery`}
      subtitle={
        <span data-testid="delivery-status">
          <Link href={`/webhooks/${endpointId}`}>← Endpoint</Link> · <Badge value={d.status} /> · {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
        </span>
      }
      actions={
        <ActionButton
          label="Replay"
          confirm="Send this event again, from the start of the retry schedule (same webhook-id)?"
          action={async () => ok(await client.POST("/api/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/replay", { params: { path: { endpointId, deliveryId } } }))}
          done={delivery.reload}
        />
      }
    >
      <Panel title="Attempts">
        {d.attempt_log.length === 0 ? (
          <Empty>Not attempted yet.</Empty>
        ) : (
          <table class="table" data-testid="attempts">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>At</th>
                <th>Answer</th>
                <th class="num">Took</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {d.attempt_log.map((a) => (
                <tr key={a.attempt}>
                  <td class="num">{a.attempt}</td>
                  <td>{dateTime(a.at)}</td>
                  <td>{a.status_code ?? "—"}</td>
                  <td class="num">{a.duration_ms} ms</td>
                  <td>{a.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Payload (as sent)">
        <Json value={d.payload} />
      </Panel>
    </Page>
  );
}
