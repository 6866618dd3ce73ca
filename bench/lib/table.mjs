/** The results table, as aligned text for the terminal and as Markdown for BENCHMARKS.md. */
import * as format from './format.mjs';

const HEADERS = ['metric', 'superloops', 'floor', 'ratio', 'goal', 'result'];

/** @param {import('./row.mjs').Row} row @returns {string[]} */
function cells(row) {
  return [
    row.metric,
    format.summary(row.superloops, row.unit),
    format.summary(row.floor, row.unit),
    format.ratio(row.ratio),
    row.goal,
    format.verdict(row.pass),
  ];
}

/** @param {import('./row.mjs').Row[]} rows */
export function textTable(rows) {
  const body = rows.map((r) => cells(r).map((c) => c.replaceAll('`', '')));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((b) => [...b[i]].length)));
  const line = (cols) => cols.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join('  ').trimEnd();
  return [line(HEADERS), line(widths.map((w) => '─'.repeat(w))), ...body.map(line)].join('\n');
}

/** @param {import('./row.mjs').Row[]} rows */
export function markdownTable(rows) {
  const esc = (c) => c.replaceAll('|', '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}
