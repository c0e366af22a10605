import { useState } from "preact/hooks";
import { client, ok } from "../api";
import { dateTime } from "../format";
import { useData } from "../hooks";
import { Link, navigate } from "../router";
import { Empty, ErrorBox, Loading, Page, Pager } from "../ui";

export function Patients(props: { query: URLSearchParams }) {
  const q = props.query.get("q") ?? "";
  const start = Number(props.query.get("start") ?? 1) || 1;
  const [draft, setDraft] = useState(q);
  const page = useData(async (signal) => ok(await client.GET("/api/v1/patients", { params: { query: { size: 50, start, q: q || undefined } }, signal })), [q, start]);
  return (
    <Page title="Patients" subtitle="Find a patient by name, phone number or email to see every call and text, and their consent.">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(draft.trim() ? `/patients?q=${encodeURIComponent(draft.trim())}` : "/patients");
        }}
      >
        <label class="grow">
          Search
          <input name="q" type="search" placeholder="Lopez, 555 201, maria@…" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        </label>
        <div class="filter-buttons">
          <button class="primary" type="submit">
            Search
          </button>
        </div>
      </form>
      <ErrorBox error={page.error} />
      {!page.data ? (
        <Loading what="patients" />
      ) : page.data.data.length === 0 ? (
        <Empty>{q ? `No patient matches “${q}”.` : "No patients yet."}</Empty>
      ) : (
        <>
          <table class="table" data-testid="patients">
            <thead>
              <tr>
                <th>Name</th>
                <th>Phone</th>
                <th>Email</th>
                <th>Time zone</th>
                <th>Added</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((p) => (
                <tr key={p.patient_id}>
                  <td>
                    <Link href={`/patients/${p.patient_id}`}>
                      {p.first_name} {p.last_name}
                    </Link>
                  </td>
                  <td class="mono">{p.phone_number ?? "—"}</td>
                  <td>{p.email ?? "—"}</td>
                  <td>{p.timezone ?? "—"}</td>
                  <td>{dateTime(p.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pagination={page.data.pagination} go={(s) => navigate(`/patients?${new URLSearchParams({ ...(q ? { q } : {}), start: String(s) })}`)} />
        </>
      )}
    </Page>
  );
}
