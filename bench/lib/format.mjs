/** How figures are written in the table: a median, then its p10–p90 spread. */

/** @param {number} v @param {string} unit */
export function value(v, unit) {
  if (!Number.isFinite(v)) return '—';
  switch (unit) {
    case 'ms':
      return v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
    case '%':
      return `${v.toFixed(3)} %`;
    case 'MiB':
      return `${v.toFixed(1)} MiB`;
    case 'cycles/s':
    case 'lines/s':
      return `${v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0)}/s`;
    case 'lines':
      return `${v.toFixed(0)} lines`;
    default:
      return `${v.toPrecision(3)} ${unit}`;
  }
}

/** @param {import('./stats.mjs').Summary | null} s @param {string} unit */
export function summary(s, unit) {
  if (!s) return '—';
  if (s.n === 1) return value(s.median, unit);
  return `${value(s.median, unit)} (${bare(s.p10, unit)}–${bare(s.p90, unit)})`;
}

/** The spread without the unit, to keep cells short. */
function bare(v, unit) {
  return value(v, unit).replace(/ ?(ms|%|MiB|lines)$/, '').replace(/\/s$/, '');
}

/** @param {import('./stats.mjs').Summary | null} s */
export function ratio(s) {
  if (!s) return '—';
  if (s.n === 1) return `${s.median.toFixed(2)}×`;
  return `${s.median.toFixed(2)}× (${s.p10.toFixed(2)}–${s.p90.toFixed(2)})`;
}

/** @param {boolean | null} pass */
export function verdict(pass) {
  return pass === null ? '—' : pass ? 'pass' : 'miss';
}
