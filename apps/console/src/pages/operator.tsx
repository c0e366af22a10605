import { useState } from "preact/hooks";
import { client, ok } from "../api";
import { dateTime } from "../format";
import { messageOf, useData } from "../hooks";
import { Link } from "../router";
import { ActionButton, ErrorBox, KeyValues, Loading, Page, Panel } from "../ui";

/** A key shown once, right after it was made: the API never shows it again. */
function ShownOnce(props: { label: string; value: string | undefined }) {
  if (!props.value) return null;
  return (
    <p class="shown-once" role="status">
      {props.label}: <code data-testid="new-key">{props.value}</code> (shown once: copy it now)
    </p>
  );
}

export function Tenants() {
  const tenants = useData(async (signal) => ok(await client.GET("/admin/tenants", { params: { query: { size: 100 } }, signal })), []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <Page title="Tenants" subtitle="The clinics on this deployment (operator view).">
      <Panel title="New tenant">
        <form
          class="filters"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              const tenant = ok(await client.POST("/admin/tenants", { body: { name } }));
              setCreated(tenant.apiKey);
              setName("");
              tenants.reload();
            } catch (err) {
              setError(messageOf(err));
            }
          }}
        >
          <label class="grow">
            Name
            <input name="tenantName" value={name} required onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <div class="filter-buttons">
            <button class="primary" type="submit" disabled={!name.trim()}>
              Create
            </button>
          </div>
        </form>
        <ShownOnce label="Its API key" value={created} />
        <ErrorBox error={error} />
      </Panel>
      <ErrorBox error={tenants.error} />
      {!tenants.data ? (
        <Loading what="tenants" />
      ) : (
        <table class="table" data-testid="tenants">
          <thead>
            <tr>
              <th>Name</th>
              <th>Lines</th>
              <th>Time zone</th>
              <th>Calling hours</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {tenants.data.data.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link href={`/operator/tenants/${t.id}`}>{t.name}</Link>
                </td>
                <td class="num">{t.concurrencyLimit}</td>
                <td>{t.timezone}</td>
                <td>{t.callingHours ? `${t.callingHours.start}–${t.callingHours.end}` : "legal hours"}</td>
                <td>{dateTime(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function TenantPage(props: { id: string }) {
  const tenantId = props.id;
  const tenant = useData(async (signal) => ok(await client.GET("/admin/tenants/{tenantId}", { params: { path: { tenantId } }, signal })), [tenantId]);
  const keys = useData(async (signal) => ok(await client.GET("/admin/tenants/{tenantId}/keys", { params: { path: { tenantId } }, signal })).data, [tenantId]);
  const [limit, setLimit] = useState<string>("");
  const [issued, setIssued] = useState<string>();
  if (!tenant.data) return <Page title="Tenant">{tenant.error ? <ErrorBox error={tenant.error} /> : <Loading what="the tenant" />}</Page>;
  const t = tenant.data;
  return (
    <Page title={t.name} subtitle={<Link href="/operator">← All tenants</Link>}>
      <Panel title="Settings">
        <KeyValues
          rows={[
            ["Id", <code>{t.id}</code>],
            ["Lines (live calls at once)", t.concurrencyLimit],
            ["Time zone", t.timezone],
            ["Calling hours", t.callingHours ? `${t.callingHours.start}–${t.callingHours.end}` : "the legal hours"],
          ]}
        />
        <div class="filters">
          <label>
            Lines
            <input type="number" min={1} max={1000} value={limit || t.concurrencyLimit} onInput={(e) => setLimit((e.target as HTMLInputElement).value)} />
          </label>
          <div class="filter-buttons">
            <ActionButton
              label="Save"
              action={async () => ok(await client.PATCH("/admin/tenants/{tenantId}", { params: { path: { tenantId } }, body: { concurrencyLimit: Number(limit || t.concurrencyLimit) } }))}
              done={tenant.reload}
            />
          </div>
        </div>
      </Panel>
      <Panel
        title="API keys"
        actions={
          <ActionButton
            label="Issue a key"
            action={async () => setIssued(ok(await client.POST("/admin/tenants/{tenantId}/keys", { params: { path: { tenantId } }, body: {} })).apiKey)}
            done={keys.reload}
          />
        }
      >
        <ShownOnce label="New key" value={issued} />
        <ErrorBox error={keys.error} />
        <table class="table" data-testid="keys">
          <thead>
            <tr>
              <th>Prefix</th>
              <th>Name</th>
              <th>Created</th>
              <th>Revoked</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data?.map((k) => (
              <tr key={k.id}>
                <td class="mono">{k.prefix}…</td>
                <td>{k.name ?? "—"}</td>
                <td>{dateTime(k.createdAt)}</td>
                <td>{dateTime(k.revokedAt)}</td>
                <td>
                  {!k.revokedAt && (
                    <ActionButton
                      label="Revoke"
                      danger
                      confirm="Revoke this key? Requests with it, and console sessions opened with it, are refused at once."
                      action={async () => ok(await client.DELETE("/admin/tenants/{tenantId}/keys/{keyId}", { params: { path: { tenantId, keyId: k.id } } }))}
                      done={keys.reload}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </Page>
  );
}
