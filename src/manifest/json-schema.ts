import { z } from 'zod';
import { manifestSchema } from './schema.js';

type JsonSchema = { [key: string]: unknown };

/** A string holding a `${VAR}` reference (`$${` alone is an escape, not a reference). */
const VARIABLE = { type: 'string', pattern: '(^|[^$])\\$\\{' };

/**
 * The manifest's JSON Schema, for editors (`# yaml-language-server: $schema=…`).
 * It describes the file as written — the schema's input side — so durations show
 * as a number of seconds or a string with a unit, and defaults as written in YAML.
 * Draft-07 because it is the draft editors' YAML and JSON support handles best.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const { $schema, ...generated } = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-07' });
  return {
    $schema,
    title: 'superloops manifest',
    description:
      'The loops a superloops daemon supervises, and how. Durations are seconds (5) or strings with a unit (250ms, 5s, 2m, 1h). ' +
      'Relative paths are relative to the manifest. ${VAR} is replaced by an environment variable; $${ is a literal ${.',
    ...allowVariables(generated),
  };
}

/**
 * The editor sees the file before `${VAR}` is replaced, so `port: ${PORT}` is a string
 * there. Every value that is not already any string also accepts a string with a
 * `${…}` in it; the loader checks the substituted value.
 */
function allowVariables(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (isSchema(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([key, child]) => [key, allowVariablesInValue(child as JsonSchema)]),
    );
  }
  if (isSchema(node.items)) out.items = allowVariables(node.items);
  return out;
}

function allowVariablesInValue(node: JsonSchema): JsonSchema {
  if (node.type === 'object' || node.type === 'array') return allowVariables(node);
  const anyString = node.type === 'string' && node.pattern === undefined && node.enum === undefined;
  // `{}` (options) and plain strings accept a ${VAR} already.
  if (anyString || Object.keys(node).every((key) => key === 'description' || key === 'default')) return node;
  const { description, default: fallback, ...value } = node;
  const out: JsonSchema = {};
  if (description !== undefined) out.description = description;
  if (fallback !== undefined) out.default = fallback;
  out.anyOf = [value, VARIABLE];
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
