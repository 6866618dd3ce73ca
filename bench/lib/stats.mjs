/**
 * Summaries of samples: median, p10–p90 and n. Percentiles interpolate
 * linearly between the two nearest ranks, so small samples still give a range.
 */

/**
 * @typedef {{ n: number, median: number, p10: number, p90: number, min: number, max: number, mean: number }} Summary
 */

/** @param {number[]} sorted @param {number} p in [0, 1] */
function quantile(sorted, p) {
  if (sorted.length === 1) return sorted[0];
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** @param {number[]} samples @returns {Summary | null} */
export function summarize(samples) {
  const values = samples.filter((v) => Number.isFinite(v));
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

/** Per-pair ratios a[i] / b[i]. @param {number[]} a @param {number[]} b */
export function pairRatios(a, b) {
  return a.map((v, i) => v / b[i]);
}

/** Least-squares slope of y over x. @param {number[]} x @param {number[]} y */
export function slope(x, y) {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return num / den;
}

/** The median of `samples`, or NaN. @param {number[]} samples */
export function median(samples) {
  return summarize(samples)?.median ?? Number.NaN;
}
