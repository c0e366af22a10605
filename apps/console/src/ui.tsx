import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { CampaignProgress, PolicyDecision } from "./api";
import { dateTime, grouped, reasonCounts, reasonLabel, relative } from "./format";
import { messageOf } from "./hooks";

export function Page(props: { title: ComponentChildren; subtitle?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page">
      <header class="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.subtitle && <p class="muted">{props.subtitle}</p>}
        </div>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Panel(props: { title?: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="panel">
      {(props.title || props.actions) && (
        <div class="panel-head">
          <h2>{props.title}</h2>
          {props.actions}
        </div>
      )}
      {props.children}
    </div>
  );
}

export function ErrorBox(props: { error: string | undefined }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Loading(props: { what?: string }) {
  return <p class="muted">Loading {props.what ?? ""}…</p>;
}

export function Badge(props: { value: string | null | undefined; kind?: string }) {
  if (!props.value) return <span class="muted">—</span>;
  return <span class={`badge badge-${props.kind ?? props.value}`}>{props.value}</span>;
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** A campaign's calls as one bar: ended (completed, failed, canceled), live and waiting. */
export function ProgressBar(props: { progress: CampaignProgress; legend?: boolean }) {
  const { total } = props.progress;
  const groups = grouped(props.progress);
  return (
    <div class="progress-wrap">
      <div class="progress" role="img" aria-label={groups.map((g) => `${g.count} ${g.label}`).join(", ")}>
        {total > 0 &&
          groups.map((g) => (g.count ? <span key={g.key} class={`seg seg-${g.key}`} style={{ width: `${(100 * g.count) / total}%` }} title={`${g.count} ${g.label}`} /> : null))}
      </div>
      {props.legend && (
        <ul class="legend">
          {groups.map((g) => (
            <li key={g.key}>
              <span class={`dot seg-${g.key}`} /> {g.label} <b>{g.count}</b>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A button that asks first, runs `action`, and shows its error. */
export function ActionButton(props: { label: string; confirm?: string; action: () => Promise<unknown>; danger?: boolean; done?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <span class="action">
      <button
        class={props.danger ? "danger" : "primary"}
        disabled={busy}
        onClick={async () => {
          if (props.confirm && !window.confirm(props.confirm)) return;
          setBusy(true);
          setError(undefined);
          try {
            await props.action();
            props.done?.();
          } catch (e) {
            setError(messageOf(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "…" : props.label}
      </button>
      {error && <span class="error inline">{error}</span>}
    </span>
  );
}

/** Labelled values in a grid; `wide` gives each its own full-width line (for longer values). */
export function KeyValues(props: { rows: [ComponentChildren, ComponentChildren][]; wide?: boolean }) {
  return (
    <dl class={props.wide ? "kv wide" : "kv"}>
      {props.rows.map(([k, v], i) => (
        <div key={i}>
          <dt>{k}</dt>
          <dd>{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Json(props: { value: unknown }) {
  return <pre class="json">{JSON.stringify(props.value, null, 2)}</pre>;
}

/** Previous / next over the API's 1-based `start` and `size`. */
export function Pager(props: { pagination: { start: number; requested_size: number; returned_count: number; total: number; hasMore: boolean }; go: (start: number) => void }) {
  const p = props.pagination;
  if (p.total <= p.requested_size && p.start === 1) return p.total ? <p class="muted small">{p.total} in all</p> : null;
  return (
    <div class="pager">
      <button disabled={p.start <= 1} onClick={() => props.go(Math.max(1, p.start - p.requested_size))}>
        ← Newer
      </button>
      <span class="muted small">
        {p.start}–{p.start + p.returned_count - 1} of {p.total}
      </span>
      <button disabled={!p.hasMore} onClick={() => props.go(p.start + p.requested_size)}>
        Older →
      </button>
    </div>
  );
}

const DECISION_WORDS = { allow: "allowed", defer: "deferred", refuse: "refused" } as const;

/** The contact policy's last decision: its word, the rule in plain words (code as a tooltip), and until when. */
export function PolicyDecisionView(props: { policy: PolicyDecision | null | undefined }) {
  const p = props.policy;
  if (!p) return <span class="muted">not decided yet</span>;
  return (
    <span class="policy" data-testid="policy-decision">
      <Badge value={DECISION_WORDS[p.decision]} kind={`policy-${p.decision}`} />
      {p.reason && (
        <span title={p.reason}>
          {" "}
          {reasonLabel(p.reason)}
        </span>
      )}
      {p.decision === "defer" && p.until && (
        <span class="muted">
          {" "}
          until {dateTime(p.until)} ({relative(p.until)})
        </span>
      )}
      {p.reasons.length > 1 && <span class="muted small"> · also {p.reasons.filter((r) => r !== p.reason).map(reasonLabel).join(", ")}</span>}
    </span>
  );
}

/** Counts by reason code as chips ("opted out 2"); `none` when every count is zero. */
export function ReasonChips(props: { byReason: Record<string, number>; kind: "defer" | "refuse"; none?: string; testId?: string }) {
  const rows = reasonCounts(props.byReason);
  if (!rows.length) return <span class="muted">{props.none ?? "none"}</span>;
  return (
    <ul class="chips tight" data-testid={props.testId}>
      {rows.map((r) => (
        <li key={r.code} title={r.code}>
          <span class={`badge badge-policy-${props.kind}`}>{r.label}</span> <b>{r.count}</b>
        </li>
      ))}
    </ul>
  );
}
