/**
 * One line of the results table. A compared row pairs superloops' samples with
 * its floor's and judges the median of the per-round ratios against the goal;
 * an info row reports a figure that has no goal of its own.
 */
import { summarize } from './stats.mjs';

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
 * @param {{ scenario: string, metric: string, unit: string, superloops: number[], floor: number[], ratios: number[],
 *   goal?: RatioGoal, checks?: ExtraCheck[], note?: string, extra?: object }} r
 * @returns {Row}
 */
export function compared(r) {
  const ratio = summarize(r.ratios);
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
    samples: { superloops: r.superloops, floor: r.floor, ratios: r.ratios },
    ...(r.extra ? { extra: r.extra } : {}),
  };
}

/**
 * A figure without a ratio goal; `goal` with `max`/`min` judges the value itself.
 * @param {{ scenario: string, metric: string, unit: string, superloops: number[], floor?: number[],
 *   goal?: { label: string, max?: number, min?: number }, note?: string, extra?: object }} r
 * @returns {Row}
 */
export function info(r) {
  const superloops = summarize(r.superloops);
  const floor = r.floor ? summarize(r.floor) : null;
  return {
    scenario: r.scenario,
    metric: r.metric,
    unit: r.unit,
    superloops,
    floor,
    ratio: superloops && floor ? { n: 1, median: superloops.median / floor.median, p10: NaN, p90: NaN, min: NaN, max: NaN, mean: NaN } : null,
    goal: r.goal?.label ?? '—',
    pass: r.goal && superloops ? meets(superloops.median, r.goal) : null,
    ...(r.note ? { note: r.note } : {}),
    samples: { superloops: r.superloops, ...(r.floor ? { floor: r.floor } : {}) },
    ...(r.extra ? { extra: r.extra } : {}),
  };
}
