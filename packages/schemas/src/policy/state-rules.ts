import { dailyWindow, type DailyWindow } from "./hours";
import type { UsStateCode } from "./us-states";

/**
 * What a state adds to the federal rules. Add a state by adding an entry with its citation; the
 * engine and the strictest-rule fallback pick it up. These laws are written for telephone
 * solicitation; we apply them to every contact, calls and texts alike, because a clinic's AI
 * agent cannot prove case by case that a contact is not a solicitation.
 */
export interface StateRule {
  /** Local hours the state allows. */
  hours?: DailyWindow;
  /** At most this many calls or texts to the patient on the same subject in any 24 hours. */
  sameSubjectPer24h?: number;
  citation: string;
}

export const STATE_RULES = {
  FL: {
    hours: dailyWindow("08:00", "20:00"),
    sameSubjectPer24h: 3,
    citation: "Fla. Stat. § 501.616(6)(a)-(b), as amended with § 501.059 by ch. 2021-185, Laws of Fla.",
  },
  MD: {
    hours: dailyWindow("08:00", "20:00"),
    sameSubjectPer24h: 3,
    citation: "Md. Code Ann., Com. Law § 14-4501 et seq. (Stop the Spam Calls Act of 2023)",
  },
  OK: {
    hours: dailyWindow("08:00", "20:00"),
    sameSubjectPer24h: 3,
    citation: "Okla. Stat. tit. 15, § 775C.1 et seq. (Telephone Solicitation Act of 2022)",
  },
  WA: {
    hours: dailyWindow("08:00", "20:00"),
    citation: "RCW 19.158.040(2)",
  },
} as const satisfies Partial<Record<UsStateCode, StateRule>>;

/** The state rule for one patient, with the citations it comes from (none for a state without one). */
export interface AppliedStateRule {
  hours: DailyWindow | null;
  sameSubjectPer24h: number | null;
  citations: string[];
}

const rules: [UsStateCode, StateRule][] = Object.entries(STATE_RULES) as [UsStateCode, StateRule][];

/**
 * The patient's state's rule; for an unknown state (null) the strictest of the table, since the
 * patient may live in any of them: the latest start, the earliest end and the lowest cap.
 */
export function stateRuleFor(state: UsStateCode | null): AppliedStateRule {
  const applicable = state === null ? rules.map(([, rule]) => rule) : rules.filter(([code]) => code === state).map(([, rule]) => rule);
  const windows = applicable.flatMap((rule) => (rule.hours ? [rule.hours] : []));
  const caps = applicable.flatMap((rule) => (rule.sameSubjectPer24h ? [rule.sameSubjectPer24h] : []));
  return {
    hours: windows.length ? { start: Math.max(...windows.map((w) => w.start)), end: Math.min(...windows.map((w) => w.end)) } : null,
    sameSubjectPer24h: caps.length ? Math.min(...caps) : null,
    citations: applicable.map((rule) => rule.citation),
  };
}

/** The highest same-subject cap any state sets: a tenant may only go lower. */
export const MAX_STATE_SUBJECT_CAP = Math.max(...rules.map(([, rule]) => rule.sameSubjectPer24h ?? 0));
