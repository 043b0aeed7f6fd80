import { ConfigurationException, type LinksConfig, type LinkConnectorConfig } from '@ctxb/config';
import { loadOdbcProfile, type ErpModule, type OdbcProfile } from './odbc-profile';

/** A connector of `links.connectors` with its profile read and checked. */
export interface LinkConnector {
  profile: OdbcProfile;
  limits: Pick<LinkConnectorConfig, 'concurrency' | 'maxPerSecond'>;
  /** The modules it links, in profile order. */
  targets: ErpModule[];
}

/**
 * Reads every profile `links.connectors` names. A profile that does not read stops start-up
 * with each problem's file and key, like the configuration itself.
 */
export function loadLinkConnectors(
  links: Pick<LinksConfig, 'connectors'>,
  env: NodeJS.ProcessEnv = process.env,
): LinkConnector[] {
  const problems = [];
  const connectors: LinkConnector[] = [];
  const names = new Set<string>();
  for (const [i, entry] of links.connectors.entries()) {
    const loaded = loadOdbcProfile(entry.profile, env);
    if ('problems' in loaded) {
      problems.push(
        ...loaded.problems.map((p) => ({
          key: p.key || '(file)',
          source: p.file,
          expected: p.message,
        })),
      );
      continue;
    }
    const { profile } = loaded;
    if (names.has(profile.name))
      problems.push({
        key: `links.connectors[${i}].profile`,
        source: 'configuration',
        expected: `a connector name used once; ${profile.name} is named twice`,
        shown: entry.profile,
      });
    names.add(profile.name);
    connectors.push({
      profile,
      limits: { concurrency: entry.concurrency, maxPerSecond: entry.maxPerSecond },
      targets: Object.keys(profile.modules) as ErpModule[],
    });
  }
  if (problems.length > 0) throw new ConfigurationException(problems);
  return connectors;
}
