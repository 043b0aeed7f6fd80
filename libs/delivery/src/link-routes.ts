import type { LinkTarget } from '@ctxb/config';

/** One target of one connector and the BullMQ queue its link jobs wait in. */
export interface LinkRoute {
  connector: string;
  target: LinkTarget;
  queue: string;
  /**
   * The paths of a context the target reads: its jobs carry those fields of a version (see
   * contextFields). Without them, a job carries the whole record.
   */
  reads?: readonly string[];
}

/** The queue of one connector target: `<prefix>.<connector>.<target>`. */
export function linkRoute(
  prefix: string,
  connector: string,
  target: LinkTarget,
  reads?: readonly string[],
): LinkRoute {
  return {
    connector,
    target,
    queue: `${prefix}.${connector}.${target}`,
    ...(reads ? { reads } : {}),
  };
}

/** The one queue that keeps what could not be delivered, with the reason. */
export function deadLetterQueueName(prefix: string): string {
  return `${prefix}.dead-letters`;
}
