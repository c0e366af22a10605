import type { Schemas } from "./api";

type Hour = Schemas["CampaignHourly"]["data"][number];

/**
 * Outcomes in the chart's order (bottom up) and their colors. Typed over every outcome the API
 * has, so a new one (as `refused` was) cannot go undrawn while still counted in the bar's height.
 */
const COLORS: Record<NonNullable<Schemas["Call"]["outcome"]>, string> = {
  human: "#2f9e44",
  transferred: "#66a80f",
  voicemail: "#f08c00",
  no_answer: "#fab005",
  busy: "#e8590c",
  invalid_number: "#c2255c",
  provider_error: "#e03131",
  hung_up_by_api: "#7048e8",
  canceled: "#868e96",
  refused: "#a61e1e",
};
export const OUTCOME_COLORS = Object.entries(COLORS);

const HOUR = 3_600_000;

/** Hours from the first to the last, the empty ones filled in, so gaps read as gaps. */
function filled(hours: Hour[]): { at: number; hour: Hour | null }[] {
  if (!hours.length) return [];
  const byTime = new Map(hours.map((h) => [Date.parse(h.hour), h]));
  const first = Date.parse(hours[0]!.hour);
  const last = Date.parse(hours[hours.length - 1]!.hour);
  const out = [];
  for (let at = first; at <= last && out.length < 168; at += HOUR) out.push({ at, hour: byTime.get(at) ?? null });
  return out;
}

/** Calls per hour, stacked by outcome: an SVG drawn here, nothing loaded. */
export function HourlyChart(props: { hours: Hour[] }) {
  const bars = filled(props.hours);
  if (!bars.length) return <p class="empty">No call has ended yet.</p>;
  const max = Math.max(...bars.map((b) => b.hour?.total ?? 0), 1);
  const width = 640;
  const height = 180;
  const left = 32;
  const bottom = 22;
  const slot = (width - left) / bars.length;
  const barWidth = Math.max(4, Math.min(48, slot * 0.7));
  const y = (n: number) => ((height - bottom - 8) * n) / max;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Calls per hour by outcome">
        <line x1={left} y1={height - bottom} x2={width} y2={height - bottom} class="axis" />
        <text x={left - 6} y={height - bottom - y(max) + 4} class="tick" text-anchor="end">
          {max}
        </text>
        <text x={left - 6} y={height - bottom + 4} class="tick" text-anchor="end">
          0
        </text>
        {bars.map((bar, i) => {
          let base = height - bottom;
          const x = left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={bar.at}>
              {bar.hour &&
                OUTCOME_COLORS.map(([outcome, color]) => {
                  const n = (bar.hour!.byOutcome as Record<string, number>)[outcome] ?? 0;
                  if (!n) return null;
                  const h = y(n);
                  base -= h;
                  return (
                    <rect key={outcome} x={x} y={base} width={barWidth} height={h} fill={color}>
                      <title>{`${new Date(bar.at).toLocaleString()}: ${n} ${outcome}`}</title>
                    </rect>
                  );
                })}
              {(bars.length <= 12 || i % Math.ceil(bars.length / 12) === 0) && (
                <text x={x + barWidth / 2} y={height - 6} class="tick" text-anchor="middle">
                  {new Date(bar.at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {OUTCOME_COLORS.filter(([o]) => props.hours.some((h) => (h.byOutcome as Record<string, number>)[o])).map(([outcome, color]) => (
            <li key={outcome}>
              <span class="dot" style={{ background: color }} /> {outcome}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
