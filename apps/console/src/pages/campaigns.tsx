import { client, ok } from "../api";
import { dateTime, relative } from "../format";
import { useData } from "../hooks";
import { nameOf, useAgents } from "../lookups";
import { Link, navigate } from "../router";
import { Badge, Empty, ErrorBox, Loading, Page, Pager, ProgressBar } from "../ui";

export function Campaigns(props: { query: URLSearchParams }) {
  const start = Number(props.query.get("start") ?? 1) || 1;
  const agents = useAgents();
  const page = useData(async (signal) => ok(await client.GET("/api/v1/calls/campaigns", { params: { query: { size: 25, start } }, signal })), [start], 3000);
  return (
    <Page
      title="Campaigns"
      subtitle="Live progress of every batch of calls; refreshed every few seconds."
      actions={
        <Link class="button primary" href="/campaigns/new">
          New campaign
        </Link>
      }
    >
      <ErrorBox error={page.error} />
      {!page.data ? (
        <Loading what="campaigns" />
      ) : page.data.data.length === 0 ? (
        <Empty>No campaign yet. Start one with “New campaign”, or POST /api/v1/calls.</Empty>
      ) : (
        <>
          <table class="table" data-testid="campaigns">
            <thead>
              <tr>
                <th>Campaign</th>
                <th>Status</th>
                <th>Agent</th>
                <th class="wide">Progress</th>
                <th class="num">Ended</th>
                <th>Expected finish</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((c) => (
                <tr key={c.id} data-campaign={c.id}>
                  <td>
                    <Link href={`/campaigns/${c.id}`}>{c.name ?? c.id.slice(0, 8)}</Link>
                  </td>
                  <td class="nowrap" data-testid="campaign-badges">
                    <Badge value={c.status} />
                    {c.paused && c.status !== "canceled" && (
                      <>
                        {" "}
                        <Badge value="paused" />
                      </>
                    )}
                  </td>
                  <td>{nameOf(agents.data, c.agent_id)}</td>
                  <td>
                    <ProgressBar progress={c.progress} />
                  </td>
                  <td class="num" data-testid="ended">
                    {c.progress.ended}/{c.progress.total}
                  </td>
                  <td title={c.progress.expectedFinishAt ?? ""}>
                    {c.progress.finishedAt ? `finished ${relative(c.progress.finishedAt)}` : c.paused && c.status !== "canceled" ? "— (paused)" : c.progress.expectedFinishAt ? relative(c.progress.expectedFinishAt) : c.scheduled_at && c.status === "scheduled" ? `starts ${relative(c.scheduled_at)}` : "—"}
                  </td>
                  <td>{dateTime(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pagination={page.data.pagination} go={(s) => navigate(`/campaigns?start=${s}`)} />
        </>
      )}
    </Page>
  );
}
