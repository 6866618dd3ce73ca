/**
 * One line of the results table. A compared row pairs superloops' samples with
 * its floor's and judges the median of the per-round ratios against the goal;
 * an info row reports a figure that has no goal of its own.
 */
import { pairRatios, summarize } from './stats.mjs';

/**
 * @typedef {{ max?: number, min?: number }} RatioGoal at most `max`×, or at least `min`×
 * @typedef {{ label: string, value: number, max?: number, min?: number }} ExtraCheck
 * @typedef {{
 *   scenario: string, metric: string, unit: string,
 *   superloops: import('./stats.mjs').Summary | null,
 *   floor: import('./stats.mjs').Summary | null,
 *   ratio: import('./stats.mjs').Summary | null,
 *   goal: string, pass: boolean | null, note?: string,
 *   samples: { superloops: number[], floor?: number[], ratios?: number[] },
 *   extra?: object,
 * }} Row
 */

function meets(value, { max, min }) {
  if (max !== undefined && !(value <= max)) return false;
  if (min !== undefined && !(value >= min)) return false;
  return true;
}

function goalText({ max, min }) {
  return max !== undefined ? `≤ ${max}×` : `≥ ${min}×`;
}

/**
 * `superloops[i]` and `floor[i]` must be a pair (taken in the same round).
 * @param {{ scenario: string, metric: string, unit: string, superloops: number[], floor: number[],
 *   goal?: RatioGoal, checks?: ExtraCheck[], note?: string, extra?: object }} r
 * @returns {Row}
 */
export function compared(r) {
  if (r.superloops.length !== r.floor.length) {
    throw new Error(`bench: ${r.metric}: ${r.superloops.length} samples against ${r.floor.length} floor samples; a ratio needs pairs`);
  }
  const ratios = pairRatios(r.superloops, r.floor);
  const ratio = summarize(ratios);
  const checks = r.checks ?? [];
  // Without a goal the row only informs.
  const pass = r.goal === undefined ? null : ratio !== null && meets(ratio.median, r.goal) && checks.every((c) => meets(c.value, c));
  return {
    scenario: r.scenario,
    metric: r.metric,
    unit: r.unit,
    superloops: summarize(r.superloops),
    floor: summarize(r.floor),
    ratio,
    goal: r.goal === undefined ? '—' : [goalText(r.goal), ...checks.map((c) => c.label)].join(', '),
    pass,
    ...(r.note ? { note: r.note } : {}),
    samples: { superloops: r.superloops, floor: r.floor, ratios },
    ...(r.extra ? { extra: r.extra } : {}),
  };
}

/**
 * A figure without a floor; `goal` with `max`/`min` judges the value itself.
 * @param {{ scenario: string, metric: string, unit: string, superloops: number[],
 *   goal?: { label: string, max?: number, min?: number }, note?: string, extra?: object }} r
 * @returns {Row}
 */
export function info(r) {
  const superloops = summarize(r.superloops);
  return {
    scenario: r.scenario,
    metric: r.metric,
    unit: r.unit,
    superloops,
    floor: null,
    ratio: null,
    goal: r.goal?.label ?? '—',
    pass: r.goal && superloops ? meets(superloops.median, r.goal) : null,
    ...(r.note ? { note: r.note } : {}),
    samples: { superloops: r.superloops },
    ...(r.extra ? { extra: r.extra } : {}),
  };
}
