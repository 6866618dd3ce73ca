/** Least-squares slope of y over x (units of y per unit of x); NaN with fewer than two points. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Least-squares fit of y over x: slope, its standard error, and n. */
export function fit(points) {
  const n = points.length;
  if (n < 3) return { slope: NaN, se: NaN, n };
  const b = slope(points);
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sse = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sse += (y - (my + b * (x - mx))) ** 2;
  }
  return { slope: b, se: Math.sqrt(sse / (n - 2) / sxx), n };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const MiB = 1024 * 1024;
