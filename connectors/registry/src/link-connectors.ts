import {
  ConfigurationException,
  type LinkConnectorConfig,
  type LinksConfig,
  type LinkTarget,
} from '@ctxb/config';
import { readYamlFile, type LinkTargetWriter } from '@ctxb/connector-sdk';
import {
  connectionStringOf,
  moduleReads,
  OdbcConnections,
  OdbcLinkTarget,
  readOdbcProfile,
  type ErpModule,
  type OdbcProfile,
  type ProfileProblem,
} from '@ctxb/odbc-connector';
import {
  readSalesforceProfile,
  SalesforceLinkTarget,
  SalesforceSession,
  upsertReads,
  type SalesforceProfile,
  type SalesforceProfileProblem,
} from '@ctxb/salesforce-connector';

/** The kinds of connector a profile's `connector` key names. */
export const CONNECTOR_KINDS = ['odbc', 'salesforce'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** One target of an open connector, with what its queue worker needs to know about it. */
export interface OpenTarget {
  target: LinkTarget;
  writer: LinkTargetWriter;
  /** Batches written at once (the connector's connections). */
  parallelWrites: number;
  /** How long a record the target does not have yet is waited for. */
  waitForRecordMs: number;
}

/** A connector with its connections: its targets' writers, and closing them. */
export interface OpenConnector {
  targets: OpenTarget[];
  close(): Promise<void>;
}

/** A connector of `links.connectors` with its profile read and checked. */
export interface LinkConnector {
  /** The profile's file name without `.yaml`: what queues, deliveries and links record. */
  name: string;
  kind: ConnectorKind;
  file: string;
  limits: Pick<LinkConnectorConfig, 'concurrency' | 'maxPerSecond'>;
  /** The targets it links, in profile order. */
  targets: LinkTarget[];
  /** Those that take the reference as soon as the order is placed (version 0). */
  placementTargets: LinkTarget[];
  /** The paths of a context each target reads: all its link jobs carry of a version. */
  reads: Partial<Record<LinkTarget, readonly string[]>>;
  open(options: { loginTimeoutSeconds: number }): OpenConnector;
}

interface Problem {
  key: string;
  source: string;
  expected: string;
  shown?: string;
}

/**
 * Reads every profile `links.connectors` names, each by the reader of its `connector` kind.
 * A profile that does not read stops start-up with each problem's file and key, like the
 * configuration itself.
 */
export function loadLinkConnectors(
  links: Pick<LinksConfig, 'connectors'>,
  env: NodeJS.ProcessEnv = process.env,
): LinkConnector[] {
  const problems: Problem[] = [];
  const connectors: LinkConnector[] = [];
  for (const [i, entry] of links.connectors.entries()) {
    const limits = { concurrency: entry.concurrency, maxPerSecond: entry.maxPerSecond };
    const read = readConnector(entry.profile, limits, env);
    if ('problems' in read) {
      problems.push(...read.problems);
      continue;
    }
    if (connectors.some((c) => c.name === read.connector.name))
      problems.push({
        key: `links.connectors[${i}].profile`,
        source: 'configuration',
        expected: `a connector name used once; ${read.connector.name} is named twice`,
        shown: entry.profile,
      });
    connectors.push(read.connector);
  }
  if (problems.length > 0) throw new ConfigurationException(problems);
  return connectors;
}

/** A profile read by the reader of the kind its `connector` key names. */
export type ConnectorProfile =
  { kind: 'odbc'; profile: OdbcProfile } | { kind: 'salesforce'; profile: SalesforceProfile };

/**
 * Reads a profile file once and checks it with the reader of its `connector` kind: the
 * profile, or every problem with the file and key.
 */
export function loadConnectorProfile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectorProfile | { problems: (ProfileProblem | SalesforceProfileProblem)[] } {
  const read = readYamlFile(file);
  if ('problem' in read) return { problems: [{ file, key: '', message: read.problem }] };
  const kind = (read.input as { connector?: unknown } | null)?.connector;
  if (kind === 'salesforce') {
    const checked = readSalesforceProfile(read.input, file, env);
    return 'problems' in checked ? checked : { kind, profile: checked.profile };
  }
  if (kind === 'odbc') {
    const checked = readOdbcProfile(read.input, file, env);
    return 'problems' in checked ? checked : { kind, profile: checked.profile };
  }
  return {
    problems: [
      { file, key: 'connector', message: `connector must be one of ${CONNECTOR_KINDS.join(', ')}` },
    ],
  };
}

function readConnector(
  file: string,
  limits: LinkConnector['limits'],
  env: NodeJS.ProcessEnv,
): { connector: LinkConnector } | { problems: Problem[] } {
  const loaded = loadConnectorProfile(file, env);
  if ('problems' in loaded)
    return {
      problems: loaded.problems.map((p) => ({
        key: p.key || '(file)',
        source: file,
        expected: p.message,
      })),
    };
  const common = { name: loaded.profile.name, kind: loaded.kind, file, limits };
  if (loaded.kind === 'salesforce') {
    const { profile } = loaded;
    return {
      connector: {
        ...common,
        targets: ['crm'],
        // An upsert would create the CRM record without its required fields: the CRM waits.
        placementTargets: [],
        reads: { crm: upsertReads(profile) },
        open: () => ({
          targets: [
            {
              target: 'crm',
              writer: new SalesforceLinkTarget(profile, new SalesforceSession(profile)),
              parallelWrites: 2,
              // A related Account not in the org yet is waited for a day.
              waitForRecordMs: 86_400_000,
            },
          ],
          close: async () => undefined,
        }),
      },
    };
  }
  const { profile } = loaded;
  const modules = Object.keys(profile.modules) as ErpModule[];
  return {
    connector: {
      ...common,
      targets: modules,
      placementTargets: modules.filter((m) => profile.modules[m]!.linkOnPlacement),
      reads: Object.fromEntries(modules.map((m) => [m, moduleReads(profile.modules[m]!)])),
      open: ({ loginTimeoutSeconds }) => {
        // A pool per module: a slow module never takes the others' connections.
        const pools = modules.map(
          () =>
            new OdbcConnections(connectionStringOf(profile), {
              size: profile.poolSize,
              loginTimeoutSeconds,
            }),
        );
        return {
          targets: modules.map((target, i) => ({
            target,
            writer: new OdbcLinkTarget(
              target,
              profile.modules[target]!,
              profile.quoting,
              pools[i],
              profile.database,
            ),
            parallelWrites: profile.poolSize,
            waitForRecordMs: profile.modules[target]!.waitForRecordMinutes * 60_000,
          })),
          close: async () => {
            await Promise.all(pools.map((p) => p.close()));
          },
        };
      },
    },
  };
}
