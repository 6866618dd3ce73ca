import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manifestJsonSchema } from '../../src/manifest/json-schema.js';

// The committed schema is generated; `UPDATE_SCHEMA=1` (npm run schema) rewrites it.
const committed = fileURLToPath(new URL('../../schema/manifest.schema.json', import.meta.url));
const generated = `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
if (process.env.UPDATE_SCHEMA === '1') writeFileSync(committed, generated);

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; description?: string; [key: string]: unknown };

describe('manifest JSON Schema', () => {
  it('is committed as generated', () => {
    let onDisk = '';
    try {
      onDisk = readFileSync(committed, 'utf8');
    } catch {
      // Reported below as out of date.
    }
    if (onDisk !== generated) throw new Error('schema/manifest.schema.json is out of date; run `npm run schema`');
  });

  it('has $schema, a title, and a description on every key', () => {
    const schema = manifestJsonSchema() as JsonSchema;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('superloops manifest');
    const undocumented: string[] = [];
    const visit = (node: JsonSchema, at: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (typeof child.description !== 'string' || child.description === '') undocumented.push(`${at}${key}`);
        visit(child, `${at}${key}.`);
      }
      if (node.items !== undefined) visit(node.items, `${at}[].`);
    };
    visit(schema, '');
    expect(undocumented).toEqual([]);
  });

  it('shows durations as seconds or a string with a unit, with defaults as written', () => {
    const schema = manifestJsonSchema() as JsonSchema;
    const loop = schema.properties!.loops!.items!;
    expect(loop.properties!.grace_period).toMatchObject({
      default: 5,
      anyOf: [{ anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: expect.any(String) }] }, { type: 'string', pattern: expect.any(String) }],
    });
    expect(loop.properties!.restart_delay!.default).toBe('100ms');
    expect(loop.additionalProperties).toBe(false);
    expect(loop.required).toEqual(['name', 'module']);
  });

  it('shows controller.socket_group as a group name or a gid, optional, with no default', () => {
    const controller = (manifestJsonSchema() as JsonSchema).properties!.controller!;
    const group = controller.properties!.socket_group!;
    expect(group.default).toBeUndefined();
    expect(group.anyOf).toEqual([
      { anyOf: [{ type: 'integer', minimum: 0, maximum: 2 ** 32 - 2 }, { type: 'string', pattern: expect.any(String) }] },
      { type: 'string', pattern: expect.any(String) },
    ]);
    expect(controller.required ?? []).not.toContain('socket_group');
    const name = new RegExp((group.anyOf as { anyOf: { pattern?: string }[] }[])[0]!.anyOf[1]!.pattern!);
    for (const ok of ['superloops', 'docker', '_ops-1', 'ad$']) expect(name.test(ok), ok).toBe(true);
    for (const bad of ['', 'a b', 'a:b', 'a,b']) expect(name.test(bad), bad).toBe(false);
  });
});
