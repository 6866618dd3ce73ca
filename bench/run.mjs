#!/usr/bin/env node
/**
 * The superloops bench: every figure paired with its floor in the same run.
 *
 *   npm run bench                    all scenarios (≈ 4 minutes on 2 cores)
 *   npm run bench -- --only reset    one (or a comma list)
 *   npm run bench -- --quick         one round each, small N: proves the bench works, judges nothing
 *
 * Prints one table (metric, superloops, floor, ratio, goal, pass/miss) and
 * writes bench/results.json (raw samples, machine, date). A full run of every
 * scenario also writes bench/reset-scaling.svg and the table in BENCHMARKS.md.
 * The exit code is 0 unless the bench itself fails: a missed goal is reported,
 * never asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBenchArgs } from './lib/args.mjs';
import { machine } from './lib/machine.mjs';
import { BENCH, DAEMON_BIN, LIBRARY, ROOT } from './lib/paths.mjs';
import { resetChart } from './lib/reset-chart.mjs';
import { markdownTable, textTable } from './lib/table.mjs';
import * as ctl from './scenarios/ctl-status.mjs';
import * as hardReset from './scenarios/hard-reset.mjs';
import * as crash from './scenarios/crash.mjs';
import * as reset from './scenarios/reset.mjs';
import * as idleCpu from './scenarios/idle-cpu.mjs';
import * as memory from './scenarios/memory.mjs';
import * as throughput from './scenarios/throughput.mjs';
import * as start from './scenarios/start.mjs';
import * as logs from './scenarios/logs.mjs';

/** In the order of the figures 1–9. */
const SCENARIOS = [ctl, hardReset, crash, reset, idleCpu, memory, throughput, start, logs];

const TABLE_START = '<!-- bench:table:start -->';
const TABLE_END = '<!-- bench:table:end -->';

async function main() {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), SCENARIOS.map((s) => s.id));
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`usage: node bench/run.mjs [--quick] [--only ${SCENARIOS.map((s) => s.id).join(',')}] [--out file]\n`);
    return 0;
  }
  for (const file of [LIBRARY, DAEMON_BIN, path.join(ROOT, 'dist', 'superloopsd.js')]) {
    if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing; build first (npm run build)`);
  }
  const chosen = args.only.length ? SCENARIOS.filter((s) => args.only.includes(s.id)) : SCENARIOS;
  const dir = mkdtempSync(path.join(tmpdir(), 'superloops-bench-'));
  const log = (m) => process.stderr.write(`  ${m}\n`);
  const began = Date.now();
  const date = new Date().toISOString();
  const rows = [];
  const runs = [];
  let failed = false;
  try {
    for (const scenario of chosen) {
      process.stderr.write(`▸ ${scenario.title} (${scenario.id})\n`);
      const t0 = Date.now();
      try {
        rows.push(...(await scenario.run({ quick: args.quick, dir, log })));
        runs.push({ id: scenario.id, seconds: (Date.now() - t0) / 1000 });
      } catch (err) {
        failed = true;
        runs.push({ id: scenario.id, seconds: (Date.now() - t0) / 1000, error: String(err?.stack ?? err) });
        process.stderr.write(`  FAILED: ${err?.stack ?? err}\n`);
      }
      process.stderr.write(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (Date.now() - began) / 1000;
  const host = machine();

  process.stdout.write(`\n${textTable(rows)}\n\n`);
  process.stdout.write(
    `${args.quick ? 'quick mode (one round each, small N: figures are not meaningful); ' : ''}` +
      `${host.cpus} CPUs, Node ${host.node}, ${seconds.toFixed(0)} s in all\n`,
  );

  const out = args.out ? path.resolve(args.out) : path.join(BENCH, 'results.json');
  const results = { date, mode: args.quick ? 'quick' : 'full', machine: host, seconds, scenarios: runs, rows };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`wrote ${path.relative(process.cwd(), out)}\n`);

  // What is committed is only ever written by a full run of everything.
  const complete = !args.quick && chosen.length === SCENARIOS.length && !failed;
  if (!args.quick && !failed && chosen.includes(reset)) {
    const svg = resetChart(rows, host, date);
    if (svg) {
      writeFileSync(path.join(BENCH, 'reset-scaling.svg'), svg);
      process.stderr.write('wrote bench/reset-scaling.svg\n');
    }
  }
  if (complete) updateBenchmarksMd(rows, host, date, seconds);
  return failed ? 1 : 0;
}

/** Replaces the table between the markers in BENCHMARKS.md with this run's. */
function updateBenchmarksMd(rows, host, date, seconds) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(TABLE_START);
  const to = text.indexOf(TABLE_END);
  if (from < 0 || to < from) return;
  const table = [
    TABLE_START,
    `Run of ${date.slice(0, 16).replace('T', ' ')} UTC: ${host.cpus} × ${host.cpuModel}, Node ${host.node}, load average at the end ${host.loadAverage.join(' / ')}; ${seconds.toFixed(0)} s in all. Cells: median (p10–p90).`,
    '',
    markdownTable(rows),
    TABLE_END,
  ].join('\n');
  writeFileSync(file, text.slice(0, from) + table + text.slice(to + TABLE_END.length));
  process.stderr.write('updated the table in BENCHMARKS.md\n');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
