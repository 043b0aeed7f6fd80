import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Pieces every connector profile reader uses: what a YAML mapping is, unknown keys named with
 * what was expected, and `${NAME}` placeholders read from the environment (secrets stay out of
 * profile files).
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reports every key of `input` not among `known`, at the key path `at`. */
export function unknownKeys(
  input: Record<string, unknown>,
  known: readonly string[],
  at: string,
  problem: (key: string, message: string) => void,
): void {
  for (const name of Object.keys(input))
    if (!known.includes(name))
      problem(at ? `${at}.${name}` : name, `unknown key (expected one of ${known.join(', ')})`);
}

const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

/**
 * `text` with each `${NAME}` replaced by that environment variable, or the names of those not
 * set (an empty variable counts as not set).
 */
export function withEnvironment(
  text: string,
  env: NodeJS.ProcessEnv,
): { value: string } | { missing: string[] } {
  const missing = [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) return { missing };
  return { value: text.replace(PLACEHOLDER, (_, name: string) => env[name] ?? '') };
}

/** A profile file parsed as YAML, or the first line of why it could not be. */
export function readYamlFile(file: string): { input: unknown } | { problem: string } {
  try {
    return { input: parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { problem: (error as Error).message.split('\n')[0] };
  }
}
