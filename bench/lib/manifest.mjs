/**
 * Writes a daemon manifest for a scenario. The YAML is produced by the `yaml`
 * package from a plain object in the manifest's own vocabulary (snake_case keys,
 * durations as strings), so what the bench runs is what a user would write.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/**
 * @param {string} dir
 * @param {string} name file name without extension
 * @param {{ controller?: object, defaults?: object, loops: object[] }} manifest
 * @returns {string} the manifest's path
 */
export function writeManifest(dir, name, manifest) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(manifest));
  return file;
}

/**
 * `count` loops named `${prefix}0 …` running the same module.
 * @param {number} count @param {string} module @param {object} [extra] keys for every loop
 */
export function loopsOf(count, module, extra = {}, prefix = 'loop') {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, module, ...extra }));
}
