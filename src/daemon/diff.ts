import { isDeepStrictEqual } from 'node:util';
import type { ManifestLoop } from '../manifest/load.js';

export interface LoopDiff {
  added: ManifestLoop[];
  removed: string[];
  changed: ManifestLoop[];
  unchanged: string[];
}

/** What a reload must do: compares the running loops' specs with the new manifest's, by name. Pure. */
export function diffLoops(running: readonly ManifestLoop[], next: readonly ManifestLoop[]): LoopDiff {
  const before = new Map(running.map((l) => [l.name, l]));
  const after = new Map(next.map((l) => [l.name, l]));
  const diff: LoopDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const [name, spec] of after) {
    const old = before.get(name);
    if (old === undefined) diff.added.push(spec);
    else if (isDeepStrictEqual(old, spec)) diff.unchanged.push(name);
    else diff.changed.push(spec);
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name);
  return diff;
}
