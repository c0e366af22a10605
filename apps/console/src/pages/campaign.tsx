import { client, ok } from "../api";
import { CAMPAIGN_ACTIONS } from "../campaign-actions";
import { HourlyChart } from "../chart";
import { dateTime, grouped, relative, TERMINAL_STATUSES } from "../format";
import { useData } from "../hooks";
import { nameOf, useAgents } from "../lookups";
import { Link } from "../router";
import { ActionButton, Badge, ErrorBox, KeyValues, Loading, Page, Pager, Panel, ProgressBar, ReasonChips } from "../ui";
import { CallsTable } from "./calls";
import { useState } from "preact/hooks";

export function Campaign(props: { id: string }) {
  const batchId = props.id;
  const [start, setStart] = useState(1);
  const agents = useAgents();
  const detail = useData(
    async (signal) => ok(await client.GET("/api/v1/calls/campaigns/{batchId}", { params: { path: { batchId }, query: { size: 25, start } }, signal })),
    [batchId, start],
    (d) => (d.campaign.progress.ended < d.campaign.progress.total || d.data.some((c) => !TERMINAL_STATUSES.includes(c.status)) ? 2000 : undefined),
  );
  // Read again whenever another call has ended, so the chart never lags the progress.
  const ended = detail.data?.campaign.progress.ended;
  const hourly = useData(async (signal) => ok(await client.GET("/api/v1/calls/campaigns/{batchId}/hourly", { params: { path: { batchId } }, signal })), [batchId, ended]);
  if (!detail.data) return <Page title="Campaign">{detail.error ? <ErrorBox error={detail.error} /> : <Loading what="the campaign" />}</Page>;
  const { campaign, data: calls, pagination } = detail.data;
  const p = campaign.progress;
  const state = { id: campaign.id, status: campaign.status, paused: campaign.paused, progress: p };
  const finished = p.total > 0 && p.ended === p.total;
  const paused = campaign.paused && campaign.status !== "canceled";
  const count = (key: string) => grouped(p).find((g) => g.key === key)?.count ?? 0;
  return (
    <Page
      title={campaign.name ?? `Campaign ${campaign.id.slice(0, 8)}`}
      subtitle={
        <span data-testid="campaign-status">
          {campaign.status === "canceled" ? "Canceled" : finished ? "Finished" : paused ? "Paused" : "Running"} · <Badge value={campaign.status} />
          {paused && (
            <>
              {" "}
              <Badge value="paused" />
            </>
          )}
        </span>
      }
      actions={CAMPAIGN_ACTIONS.filter((a) => a.offered(state)).map((a) => (
        <ActionButton key={a.label} label={a.label} confirm={a.confirm} danger={a.danger} action={() => a.run(batchId)} done={detail.reload} />
      ))}
    >
      <ErrorBox error={detail.error} />
      {paused && !finished && (
        <div class="banner paused" role="status" data-testid="paused-banner">
          <b>Paused</b>
          <span>
            since {dateTime(campaign.pausedAt)}: none of its {count("waiting")} waiting calls is dialed until you resume it (they keep their place in the queue)
            {count("live") ? `; ${count("live")} live call${count("live") === 1 ? "" : "s"} left to finish` : ""}.
          </span>
        </div>
      )}
      <Panel title="Progress">
        <ProgressBar progress={p} legend />
        <KeyValues
          rows={[
            ["Calls", <span data-testid="progress-count">{`${p.ended} of ${p.total} ended`}</span>],
            ["Agent", nameOf(agents.data, campaign.agentId)],
            ["Created", dateTime(campaign.createdAt)],
            ["Scheduled for", campaign.scheduledAt ? dateTime(campaign.scheduledAt) : "at once"],
            ["First call dialed", dateTime(p.startedAt)],
            [p.finishedAt ? "Finished" : "Expected finish", p.finishedAt ? dateTime(p.finishedAt) : paused ? "— (paused)" : p.expectedFinishAt ? `${dateTime(p.expectedFinishAt)} (${relative(p.expectedFinishAt)})` : "—"],
          ]}
        />
        <KeyValues
          wide
          rows={[
            ["Waiting on the contact policy", <ReasonChips byReason={p.deferred} kind="defer" testId="deferred" />],
            ["Refused by the contact policy", <ReasonChips byReason={p.refused} kind="refuse" testId="refused" />],
          ]}
        />
        <ul class="chips">
          {Object.entries(p.byStatus)
            .filter(([, n]) => n > 0)
            .map(([status, n]) => (
              <li key={status}>
                <Link href={`/calls?batch_id=${batchId}&status=${status}`}>
                  <Badge value={status} /> {n}
                </Link>
              </li>
            ))}
        </ul>
      </Panel>
      <Panel title="Calls per hour, by outcome">{hourly.data ? <HourlyChart hours={hourly.data.data} /> : <ErrorBox error={hourly.error} />}</Panel>
      <Panel title="Calls" actions={<Link href={`/calls?batch_id=${batchId}`}>Search these calls →</Link>}>
        <CallsTable calls={calls} agents={agents.data} />
        <Pager pagination={pagination} go={setStart} />
      </Panel>
    </Page>
  );
}
