import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parseDocument } from 'yaml';
import { AppConfig } from './app-config';
import { ConfigurationException, type ConfigurationProblem } from './configuration.exception';

/**
 * Reads the configuration in layers, later layers winning:
 *   1. `config/default.yaml` (every key, with its default),
 *   2. the files named in `CTXB_CONFIG` (comma-separated, e.g. `config/local.yaml`),
 *   3. one environment variable per scalar key: `CTXB_` + the key path in SCREAMING_SNAKE_CASE,
 *      e.g. `gateway.http.port` → `CTXB_GATEWAY_HTTP_PORT`, `kafka.brokers` → `CTXB_KAFKA_BROKERS`
 *      (lists comma-separated).
 * Objects merge key by key; lists are replaced whole. The result is validated once against
 * AppConfig and every problem is reported with its key and the file or variable it came from.
 */

export const ENV_PREFIX = 'CTXB_';
/** Variables that steer loading itself rather than naming a key. */
export const LOADER_VARIABLES = ['CTXB_CONFIG', 'CTXB_CONFIG_DIR', 'CTXB_HOME'] as const;

type Tree = Record<string, unknown>;

export interface ConfigLayer {
  /** Shown in error messages: a project-relative file path or `env CTXB_…`. */
  source: string;
  values: Tree;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder holding default.yaml; defaults to `CTXB_CONFIG_DIR` or `<project>/config`. */
  configDir?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const root = projectRoot();
  const configDir = options.configDir ?? env.CTXB_CONFIG_DIR ?? join(root, 'config');
  const files = [join(configDir, 'default.yaml'), ...overlayFiles(env.CTXB_CONFIG, root)];
  const layers = files.map((file) => readLayer(file, root));
  return resolveConfig(layers, env);
}

/** Pure: merges the layers, applies the environment and validates. */
export function resolveConfig(layers: ConfigLayer[], env: NodeJS.ProcessEnv): AppConfig {
  const sources = new Map<string, string>();
  let tree: Tree = {};
  for (const layer of layers) tree = mergeInto(tree, layer.values, [], layer.source, sources);

  const envProblems: ConfigurationProblem[] = [];
  tree = applyEnvironment(tree, env, sources, envProblems);

  const config = plainToInstance(AppConfig, tree);
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: true });
  const problems = [...envProblems, ...errors.flatMap((e) => toProblems(e, [], sources))];
  if (problems.length > 0) throw new ConfigurationException(problems);
  return config;
}

/** `gateway.http.port` → `CTXB_GATEWAY_HTTP_PORT`; `kafka.clientId` → `CTXB_KAFKA_CLIENT_ID`. */
export function environmentVariableName(path: string[]): string {
  const words = path.map((segment) =>
    segment
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/-/g, '_')
      .toUpperCase(),
  );
  return ENV_PREFIX + words.join('_');
}

export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'context-bridge') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function overlayFiles(list: string | undefined, root: string): string[] {
  if (!list) return [];
  return list
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0)
    .map((f) => (isAbsolute(f) ? f : resolve(root, f)));
}

function readLayer(file: string, root: string): ConfigLayer {
  const source = relative(root, file) || file;
  if (!existsSync(file)) {
    throw new ConfigurationException([
      { key: '(file)', source, expected: 'the configuration file to exist' },
    ]);
  }
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigurationException(
      document.errors.map((e) => ({
        key: '(syntax)',
        source,
        expected: `valid YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const values: unknown = document.toJS() ?? {};
  if (!isPlainObject(values)) {
    throw new ConfigurationException([
      { key: '(root)', source, expected: 'a mapping of sections (kafka:, redis:, …)' },
    ]);
  }
  return { source, values };
}

function mergeInto(
  base: Tree,
  layer: Tree,
  path: string[],
  source: string,
  sources: Map<string, string>,
): Tree {
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    const keyPath = [...path, key];
    if (isPlainObject(value) && isPlainObject(merged[key])) {
      merged[key] = mergeInto(merged[key], value, keyPath, source, sources);
    } else {
      merged[key] = value;
      forgetBelow(sources, keyPath.join('.'));
      recordLeaves(value, keyPath, source, sources);
    }
  }
  return merged;
}

function recordLeaves(
  value: unknown,
  path: string[],
  source: string,
  sources: Map<string, string>,
) {
  sources.set(path.join('.'), source);
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value))
      recordLeaves(child, [...path, key], source, sources);
  }
}

function forgetBelow(sources: Map<string, string>, prefix: string) {
  for (const key of sources.keys()) if (key.startsWith(`${prefix}.`)) sources.delete(key);
}

type LeafKind = 'string' | 'number' | 'boolean' | 'list';

/** Every key an environment variable may set: scalars and lists of scalars. */
function settableLeaves(tree: Tree, path: string[] = []): { path: string[]; kind: LeafKind }[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const keyPath = [...path, key];
    if (isPlainObject(value)) return settableLeaves(value, keyPath);
    if (Array.isArray(value)) {
      return value.every((v) => !isPlainObject(v))
        ? [{ path: keyPath, kind: 'list' as const }]
        : [];
    }
    const kind = typeof value;
    if (kind === 'number' || kind === 'boolean' || kind === 'string')
      return [{ path: keyPath, kind }];
    return [];
  });
}

function applyEnvironment(
  tree: Tree,
  env: NodeJS.ProcessEnv,
  sources: Map<string, string>,
  problems: ConfigurationProblem[],
): Tree {
  const leaves = new Map(
    settableLeaves(tree).map((leaf) => [environmentVariableName(leaf.path), leaf]),
  );
  let result = tree;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    if ((LOADER_VARIABLES as readonly string[]).includes(name)) continue;
    const leaf = leaves.get(name);
    if (!leaf) {
      problems.push({
        key: name,
        source: `env ${name}`,
        expected: `not a known setting; ${suggest(name, [...leaves.keys()])}`,
      });
      continue;
    }
    result = setPath(result, leaf.path, coerce(raw, leaf.kind));
    sources.set(leaf.path.join('.'), `env ${name}`);
  }
  return result;
}

function coerce(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'boolean': {
      const word = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(word)) return true;
      if (['false', '0', 'no', 'off'].includes(word)) return false;
      return raw;
    }
    case 'list':
      return raw.trim() === '' ? [] : raw.split(',').map((item) => item.trim());
    case 'string':
      return raw;
  }
}

function setPath(tree: Tree, path: string[], value: unknown): Tree {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...tree, [head]: value };
  const child = tree[head];
  return { ...tree, [head]: setPath(isPlainObject(child) ? child : {}, rest, value) };
}

function toProblems(
  error: ValidationError,
  parent: string[],
  sources: Map<string, string>,
): ConfigurationProblem[] {
  const path = [...parent, error.property];
  const own = error.constraints
    ? [
        {
          key: displayPath(path),
          source: sourceOf(path, sources),
          expected: Object.values(error.constraints).join('; '),
          shown: showValue(path, error.value),
        },
      ]
    : [];
  const nested = (error.children ?? []).flatMap((child) => toProblems(child, path, sources));
  return [...own, ...nested];
}

function sourceOf(path: string[], sources: Map<string, string>): string {
  for (let end = path.length; end > 0; end--) {
    const found = sources.get(path.slice(0, end).join('.'));
    if (found) return found;
  }
  return '(missing)';
}

function displayPath(path: string[]): string {
  return path.reduce((text, segment) => {
    if (/^\d+$/.test(segment)) return `${text}[${segment}]`;
    return text ? `${text}.${segment}` : segment;
  }, '');
}

const SECRET_KEYS = /password|secret|token|connectionstring|key$/i;

function showValue(path: string[], value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (path.some((segment) => SECRET_KEYS.test(segment))) return '(hidden)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function suggest(name: string, known: string[]): string {
  const close = known
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (close && close.distance <= 3) return `did you mean ${close.candidate}?`;
  return 'see config/default.yaml for every key';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
