/** One `${NAME}` that was replaced, and the value it was replaced with. */
export interface Substitution {
  name: string;
  value: string;
}

export interface Interpolated {
  text: string;
  substitutions: Substitution[];
  /** What is wrong with the references; each names the variable, never a value. */
  errors: string[];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${NAME}` with the environment variable NAME; `$${` is a literal `${`.
 * A `$` not followed by `{` is kept as is, so prices and regexes need no escaping.
 * An unset variable is an error (not an empty string): a missing API key should stop
 * the daemon at start, not fail a loop later. A variable set to "" is used as "".
 */
export function interpolate(source: string, env: NodeJS.ProcessEnv): Interpolated {
  const result: Interpolated = { text: '', substitutions: [], errors: [] };
  let at = 0;
  while (at < source.length) {
    const dollar = source.indexOf('$', at);
    if (dollar === -1) break;
    result.text += source.slice(at, dollar);
    if (source.startsWith('$${', dollar)) {
      result.text += '${';
      at = dollar + 3;
      continue;
    }
    if (source[dollar + 1] !== '{') {
      result.text += '$';
      at = dollar + 1;
      continue;
    }
    const close = source.indexOf('}', dollar + 2);
    if (close === -1) {
      result.errors.push('a ${ is never closed; end the variable name with }, or write $${ for a literal ${');
      result.text += source.slice(dollar);
      return result;
    }
    const name = source.slice(dollar + 2, close);
    at = close + 1;
    if (!VARIABLE_NAME.test(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 37)}…` : name;
      result.errors.push(
        `\${${shown}} is not a variable reference; write \${NAME} with letters, digits and _ only, or $\${ for a literal \${`,
      );
      continue;
    }
    const value = lookup(env, name);
    if (value === undefined) {
      result.errors.push(
        `environment variable ${name} is not set (used as \${${name}}); set it for the daemon, or write $\${${name}} for a literal \${${name}}`,
      );
      continue;
    }
    result.text += value;
    result.substitutions.push({ name, value });
  }
  result.text += source.slice(at);
  return result;
}

/** Own properties only: `${constructor}` must not find Object.prototype.constructor in a plain env object. */
function lookup(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(env, name)) return undefined;
  const value = env[name];
  return typeof value === 'string' ? value : undefined;
}
