/** bench/reset-scaling.svg from the reset scenario's rows: reset time against the number of loops, with its floor. */
import { lineChart } from './svg-chart.mjs';

/** @param {import('./row.mjs').Row[]} rows @param {{ node: string, cpus: number }} machine @param {string} date */
export function resetChart(rows, machine, date) {
  const scaling = rows.filter((r) => r.scenario === 'reset' && r.extra?.sleepMs === 1000);
  if (scaling.length < 2) return undefined;
  const point = (r, side) => ({ x: r.extra.loops, y: r[side].median, lo: r[side].p10, hi: r[side].p90 });
  const short = rows.find((r) => r.scenario === 'reset' && r.extra?.sleepMs === 10);
  const series = [
    { name: 'superloops (1 s cycles)', color: '#d9480f', points: scaling.map((r) => point(r, 'superloops')) },
    { name: 'floor: terminate + spawn', color: '#1c7ed6', dashed: true, points: scaling.map((r) => point(r, 'floor')) },
  ];
  if (short) series.splice(1, 0, { name: 'superloops (10 ms cycles)', color: '#2f9e44', points: [point(short, 'superloops')] });
  return lineChart({
    title: 'Global reset: failure() past the threshold → every loop running again',
    subtitle: `median of paired rounds; ${machine.cpus} CPUs, Node ${machine.node}, ${date.slice(0, 10)}`,
    xLabel: 'loops reset at once',
    yLabel: 'milliseconds',
    series,
  });
}
