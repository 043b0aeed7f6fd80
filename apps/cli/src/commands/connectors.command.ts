import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '@ctxb/config';
import { loadOdbcProfile, type OdbcProfile, type ProfileProblem } from '@ctxb/odbc-connector';

/** Exit code of a configuration error (sysexits EX_CONFIG), as the apps use at start-up. */
const EX_CONFIG = 78;

export function connectorsCommand(): Command {
  const connectors = new Command('connectors').description(
    'ERP and CRM connector profiles (config/connectors/*.yaml)',
  );
  connectors
    .command('validate')
    .description(
      'check a connector profile without connecting: every problem with its file, key and reason (exit code 78 when there is one)',
    )
    .argument('<profile>', 'a profile name in config/connectors (e.g. sample-erp) or a file path')
    .action((name: string) => {
      const file = profileFile(name);
      const read = loadOdbcProfile(file);
      if ('problems' in read) {
        console.error(problemReport(read.problems));
        process.exitCode = EX_CONFIG;
        return;
      }
      console.log(profileSummary(read.profile));
    });
  return connectors;
}

/** A name in the configuration folder's connectors/, else a path as given. */
export function profileFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const folder = join(env.CTXB_CONFIG_DIR ?? join(projectRoot(), 'config'), 'connectors');
  const named = join(folder, `${name}.yaml`);
  if (/^[A-Za-z0-9_-]+$/.test(name) && existsSync(named)) return named;
  const path = resolve(name);
  if (existsSync(path)) return path;
  throw new Error(`no connector profile "${name}" (looked for ${named} and ${path})`);
}

/** One line per problem: `file: key: reason`. */
export function problemReport(problems: readonly ProfileProblem[]): string {
  const lines = problems.map(
    (p) => `  - ${shown(p.file)}: ${p.key === '' ? '(top level)' : p.key}: ${p.message}`,
  );
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`connector profile is invalid (${count}):`, ...lines].join('\n');
}

/** What a valid profile will write where. */
export function profileSummary(profile: OdbcProfile): string {
  const reach =
    'dsn' in profile.connection ? `DSN ${profile.connection.dsn}` : 'a connection string';
  const modules = Object.entries(profile.modules).map(([module, m]) => {
    const key = Object.keys(m.key);
    return `  ${module}: ${m.table} (${m.mode}, one write per ${m.each}${key.length ? `, found by ${key.join(' + ')}` : ''}) sets ${Object.keys(m.columns).join(', ')}`;
  });
  return [
    `${profile.name} (${shown(profile.file)}): valid, ODBC over ${reach}, pool of ${profile.poolSize}`,
    ...modules,
  ].join('\n');
}

function shown(file: string): string {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? file : path;
}
