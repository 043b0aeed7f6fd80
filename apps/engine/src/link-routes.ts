import type { AppConfig, LinkTarget } from '@ctxb/config';
import { loadLinkConnectors, type LinkConnector } from '@ctxb/connectors';
import { linkRoute, type LinkRoute } from '@ctxb/delivery';

/**
 * The link queues the engine feeds: for each connector of `links.connectors`, one per target
 * `which` picks (all of them for each new version; `placementTargets` for version 0). Reads the
 * profiles: a bad one stops start-up with its file and key.
 */
export function engineLinkRoutes(
  config: AppConfig,
  which: (connector: LinkConnector) => readonly LinkTarget[],
): LinkRoute[] {
  return loadLinkConnectors(config.links).flatMap((c) =>
    which(c).map((target) => linkRoute(config.links.queue, c.name, target, c.reads[target])),
  );
}
