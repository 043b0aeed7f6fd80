import type { LinkTarget } from '@ctxb/config';
import type { ContextRecord } from '@ctxb/context';
import type { DeliveryFailure } from './delivery-failure';
import type { ErpAmount } from './erp-amounts';
import type { ContextFields } from './field-mapping';

/** One context version to link into one target. */
export interface LinkRequest {
  contextReferenceId: string;
  version: number;
  /**
   * The version as the target reads it, by path: the whole record, or the fields its
   * mappings read (see contextFields).
   */
  record: ContextRecord | ContextFields;
  /**
   * A signed link to the context's journey panel, when the panel is configured: profiles map
   * it like a field of the record (`from: panelUrl`).
   */
  panelUrl?: string;
}

/** What a request's mappings read: the record, with the panel link beside its fields. */
export function mappingSource(request: LinkRequest): object {
  return { ...request.record, panelUrl: request.panelUrl ?? null };
}

/** What became of one request of a batch, in the batch's order. */
export type LinkOutcome =
  /**
   * Written into these records of the target (their ids go back to the correlated ids), with
   * the money they hold when the connector reads it back.
   */
  | { status: 'written'; recordIds: string[]; amounts?: ErpAmount[] }
  /** The target already holds this version or a newer one: nothing written. */
  | { status: 'current'; recordIds: string[]; amounts?: ErpAmount[] }
  /** The context names no record of this target yet (an order not invoiced): nothing to do. */
  | { status: 'none' }
  | { status: 'failed'; failure: DeliveryFailure };

/**
 * One module of one system that carries context links: an ERP's order management, receivables
 * or general ledger, or a CRM object. Writes are idempotent and never go backwards: a repeated
 * version changes nothing, an older one than the target holds is reported `current`.
 */
export interface LinkTargetWriter {
  readonly target: LinkTarget;
  write(batch: readonly LinkRequest[]): Promise<LinkOutcome[]>;
}

/** A connector's view of its system: reachable, and what it found wrong if not. */
export interface ConnectorHealth {
  ok: boolean;
  detail: string;
}

/**
 * A configured connection to one ERP or CRM (say, the `sample-erp` ODBC profile): its link
 * targets, its health, and closing its connections. Configuration is validated before one is
 * made (see readFieldMapping for the mapping part).
 */
export interface Connector {
  /** The profile's name, as deliveries and document links record it. */
  readonly name: string;
  readonly targets: readonly LinkTargetWriter[];
  health(): Promise<ConnectorHealth>;
  close(): Promise<void>;
}
