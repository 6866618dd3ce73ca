/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough to
 * assert on our /metrics: it throws on any line it does not understand, on a
 * sample with no `# TYPE` for its family, and on a family declared twice.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  /** Family name → its declared type. */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const SUFFIXED = ['_bucket', '_sum', '_count'];

export function parsePromText(text: string): PromText {
  const out: PromText = { types: new Map(), help: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const map = kind === 'TYPE' ? out.types : out.help;
      if (map.has(name)) throw new Error(`${kind} of ${name} declared twice`);
      if (kind === 'TYPE' && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type in: ${line}`);
      map.set(name, rest);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, rawLabels = '', rawValue] = m as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < rawLabels.length) {
      const l = LABEL.exec(rawLabels);
      if (!l) throw new Error(`bad labels in: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    // Prometheus parses values with Go's ParseFloat, which ignores case in NaN and Inf (prom-client writes "Nan").
    const special = rawValue.toLowerCase();
    const value = special === 'nan' ? NaN : special === '+inf' ? Infinity : special === '-inf' ? -Infinity : Number(rawValue);
    if (Number.isNaN(value) && special !== 'nan') throw new Error(`bad value in: ${line}`);
    if (!out.types.has(familyOf(name, out.types))) throw new Error(`sample before its # TYPE: ${line}`);
    out.samples.push({ name, labels, value });
  }
  return out;
}

function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const suffix = SUFFIXED.find((s) => name.endsWith(s));
  return suffix ? name.slice(0, -suffix.length) : name;
}

/** The samples named `name` whose labels include `labels`. */
export function samples(text: PromText, name: string, labels: Record<string, string> = {}): PromSample[] {
  return text.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` with `labels`; throws if there is not exactly one. */
export function value(text: PromText, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text, name, labels);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}
