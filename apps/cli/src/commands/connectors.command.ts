import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '@ctxb/config';
import {
  checkProfile,
  connectionStringOf,
  failureOf,
  type ModuleCheck,
  type OdbcProfile,
  type ProfileProblem,
} from '@ctxb/odbc-connector';
import type { ErpAmount } from '@ctxb/connector-sdk';
import { loadConnectorProfile } from '@ctxb/connectors';
import {
  checkSalesforceProfile,
  SalesforceSession,
  type SalesforceCheck,
  type SalesforceProfile,
  type SalesforceProfileProblem,
} from '@ctxb/salesforce-connector';
import { order12345Records } from '@ctxb/simulation';
import { connect } from 'odbc';

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
      const read = readProfile(name);
      if (!read) return;
      console.log('connection' in read ? profileSummary(read) : salesforceSummary(read));
    });
  connectors
    .command('test')
    .description(
      "connect with a profile and write nothing: for an ERP, check each mapped table and column exists and the module's UPDATE is accepted (run matching no row and rolled back) and show the statements the story order's context makes; for Salesforce, sign in, check the object's fields from its describe, show the upsert the story makes and what the org holds for it",
    )
    .argument('<profile>', 'a profile name in config/connectors (e.g. sample-erp) or a file path')
    .action(async (name: string) => {
      const profile = readProfile(name);
      if (!profile) return;
      if (!('connection' in profile)) {
        const check = await checkSalesforceProfile(
          profile,
          new SalesforceSession(profile),
          storyRequest(),
        );
        console.log(salesforceCheckReport(profile, check));
        if (!check.signIn.ok || check.problems.length > 0 || check.amounts?.ok === false)
          process.exitCode = 1;
        return;
      }
      const connection = await connect(connectionStringOf(profile)).catch((error: unknown) => {
        throw new Error(`${profile.name}: ${failureOf(error, 'cannot connect').message}`);
      });
      try {
        const checks = await checkProfile(profile, connection, storyRequest());
        console.log(checkReport(profile, checks));
        if (!checks.every(passed)) process.exitCode = 1;
      } finally {
        await connection.close();
      }
    });
  return connectors;
}

/**
 * The profile `name` names, read by its connector's reader; undefined after printing its
 * problems (exit code 78).
 */
function readProfile(name: string): OdbcProfile | SalesforceProfile | undefined {
  const read = loadConnectorProfile(profileFile(name));
  if ('problems' in read) {
    console.error(problemReport(read.problems));
    process.exitCode = EX_CONFIG;
    return undefined;
  }
  return read.profile;
}

/** Sign-in, the object's fields, and the upsert the story makes. */
export function salesforceCheckReport(profile: SalesforceProfile, check: SalesforceCheck): string {
  if (!check.signIn.ok) return `${profile.name}: FAILED\n  - ${check.signIn.reason}`;
  return [
    `${profile.name}: signed in (${check.signIn.instanceUrl}, ${profile.auth.flow} flow)`,
    `  crm: ${profile.object} ${
      check.problems.length
        ? `FAILED\n    - ${check.problems.join('\n    - ')}`
        : `ok (fields there and writable, ${profile.externalId} an external id${profile.amounts ? ', amount fields there' : ''})`
    }`,
    ...(check.amounts
      ? [
          check.amounts.ok
            ? `    amounts held for the example: ${heldText(check.amounts.read)}`
            : `    amounts: FAILED\n    - ${check.amounts.reason}`,
        ]
      : []),
    `    ${check.upsert.method} ${check.upsert.path}`,
    `      record: ${JSON.stringify(check.upsert.record)}`,
  ].join('\n');
}

/** What a system holds for the example, as the test reports say it. */
function heldText(read: readonly ErpAmount[]): string {
  // A document read with no row that counts reads as 0 with no rows.
  const held = read.filter((a) => a.rows > 0);
  return held.length
    ? held.map((a) => `${a.document} ${a.amount}${a.currency ? ` ${a.currency}` : ''}`).join(', ')
    : 'none (its records are not booked here)';
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
export function problemReport(
  problems: readonly (ProfileProblem | SalesforceProfileProblem)[],
): string {
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
    const figure = m.amounts
      ? `; reads back ${'column' in m.amounts.amount ? m.amounts.amount.column : `${m.amounts.amount.credit} - ${m.amounts.amount.debit}`}`
      : '';
    return `  ${module}: ${m.table} (${m.mode}, one write per ${m.each}${key.length ? `, found by ${key.join(' + ')}` : ''}) sets ${Object.keys(m.columns).join(', ')}${figure}`;
  });
  return [
    `${profile.name} (${shown(profile.file)}): valid, ODBC over ${reach}, pool of ${profile.poolSize}`,
    ...modules,
  ].join('\n');
}

/** What a valid Salesforce profile will upsert where. */
export function salesforceSummary(profile: SalesforceProfile): string {
  return [
    `${profile.name} (${shown(profile.file)}): valid, Salesforce REST API ${profile.apiVersion} at ${profile.auth.loginUrl}, ${profile.auth.flow} flow`,
    `  crm: upserts ${profile.object} by ${profile.externalId} (version in ${profile.versionField}) sets ${Object.keys(profile.fields).join(', ')}${crmFigure(profile)}; stops at ${Math.round(profile.maxApiUsage * 100)} % of the daily API requests`,
  ].join('\n');
}

/** Where a Salesforce profile reads its money back from, as the summary says it. */
function crmFigure({ amounts }: SalesforceProfile): string {
  if (!amounts) return '';
  const where = amounts.where.map((w) => `${w.field} = ${w.values.join(' or ')}`);
  return `; reads back ${amounts.amount}${amounts.currency ? ` in ${amounts.currency}` : ''}${where.length ? ` while ${where.join(' and ')}` : ''}`;
}

/** The story order's newest context version: the example the dry run writes. */
function storyRequest() {
  const record = order12345Records().at(-1)!;
  return { contextReferenceId: record.contextReferenceId, version: record.version, record };
}

const passed = (c: ModuleCheck) =>
  c.found && c.missingColumns.length === 0 && c.writable.ok && (c.amounts?.ok ?? true);

/** Per module: the table, its columns, whether its write is accepted, and the statements. */
export function checkReport(profile: OdbcProfile, checks: readonly ModuleCheck[]): string {
  const lines = [
    `${profile.name}: connected (${'dsn' in profile.connection ? `DSN ${profile.connection.dsn}` : 'connection string'})`,
  ];
  for (const c of checks) {
    const problems = [
      ...(c.found ? [] : [`table ${c.table} not found`]),
      ...(c.found && c.missingColumns.length
        ? [`missing columns: ${c.missingColumns.join(', ')}`]
        : []),
      ...(c.writable.ok ? [] : [c.writable.reason]),
      ...(c.amounts && !c.amounts.ok ? [c.amounts.reason] : []),
    ];
    const write = profile.modules[c.module]?.mode === 'stage' ? 'insert' : 'update';
    const read = c.amounts ? ', amounts readable' : '';
    lines.push(
      `  ${c.module}: ${c.table} ${problems.length ? `FAILED\n    - ${problems.join('\n    - ')}` : `ok (columns there, ${write} accepted${read})`}`,
    );
    if (c.amounts?.ok) lines.push(`    amounts held for the example: ${heldText(c.amounts.read)}`);
    for (const s of c.statements)
      lines.push(`    ${s.sql}`, `      values: ${JSON.stringify(s.params)}`);
  }
  return lines.join('\n');
}

function shown(file: string): string {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? file : path;
}
