/**
 * The runner's command line: `--quick` (one round each, small N; proves the
 * bench still works and asserts nothing about speed) and `--only a,b` (run
 * only these scenarios). `--out <file>` moves results.json (for CI).
 */
import { parseArgs } from 'node:util';

/** @param {string[]} argv @param {string[]} known scenario ids */
export function parseBenchArgs(argv, known) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = only.filter((o) => !known.includes(o));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; the scenarios are: ${known.join(', ')}`);
  }
  return { quick: values.quick, only, out: values.out, help: values.help };
}
