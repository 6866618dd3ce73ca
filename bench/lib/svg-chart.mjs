/**
 * A line chart as hand-written SVG text (no dependencies): series of points
 * with p10–p90 whiskers on linear axes. Used for bench/reset-scaling.svg.
 */

/**
 * @typedef {{ x: number, y: number, lo?: number, hi?: number }} Point
 * @typedef {{ name: string, color: string, dashed?: boolean, points: Point[] }} Series
 */

const W = 760;
const H = 420;
const M = { top: 56, right: 230, bottom: 56, left: 72 };

/** A round step for about `count` ticks over [0, max]: 1, 2 or 5 × 10^k. */
function tickStep(max, count = 5) {
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  return step ?? raw;
}

const esc = (s) => String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * @param {{ title: string, subtitle?: string, xLabel: string, yLabel: string, series: Series[] }} chart
 * @returns {string} SVG text
 */
export function lineChart({ title, subtitle, xLabel, yLabel, series }) {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(...all.map((p) => p.x)) * 1.05;
  const yTop = Math.max(...all.map((p) => p.hi ?? p.y));
  const yStep = tickStep(yTop);
  const yMax = Math.ceil((yTop * 1.05) / yStep) * yStep;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x) => M.left + (x / xMax) * pw;
  const sy = (y) => M.top + ph - (y / yMax) * ph;
  const f = (n) => n.toFixed(1);

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="${M.left}" y="42" fill="#555">${esc(subtitle)}</text>`);

  // Grid and y ticks.
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${f(sy(y))}" y2="${f(sy(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${f(sy(y) + 4)}" text-anchor="end" fill="#444">${esc(Number(y.toPrecision(6)))}</text>`);
  }
  // x ticks: the measured sizes.
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  for (const x of xs) {
    out.push(`<line x1="${f(sx(x))}" x2="${f(sx(x))}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#444"/>`);
    out.push(`<text x="${f(sx(x))}" y="${M.top + ph + 18}" text-anchor="middle" fill="#444">${esc(x)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#444"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#444"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#222">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#222">${esc(yLabel)}</text>`);

  // Series: whiskers, line, points.
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    for (const p of pts) {
      if (p.lo === undefined || p.hi === undefined) continue;
      const x = f(sx(p.x));
      out.push(`<line x1="${x}" x2="${x}" y1="${f(sy(p.lo))}" y2="${f(sy(p.hi))}" stroke="${s.color}" stroke-width="1.5" opacity="0.6"/>`);
      for (const y of [p.lo, p.hi]) out.push(`<line x1="${f(sx(p.x) - 4)}" x2="${f(sx(p.x) + 4)}" y1="${f(sy(y))}" y2="${f(sy(y))}" stroke="${s.color}" stroke-width="1.5" opacity="0.6"/>`);
    }
    if (pts.length > 1) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${f(sx(p.x))} ${f(sy(p.y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of pts) out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="3.5" fill="${s.color}"/>`);
  }

  // Legend, right of the plot.
  series.forEach((s, i) => {
    const y = M.top + 10 + i * 22;
    const x = M.left + pw + 16;
    out.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<circle cx="${x + 12}" cy="${y}" r="3.5" fill="${s.color}"/>`);
    out.push(`<text x="${x + 32}" y="${y + 4}" fill="#222">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${M.left + pw + 16}" y="${M.top + 10 + series.length * 22 + 8}" fill="#666">whiskers: p10–p90</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
