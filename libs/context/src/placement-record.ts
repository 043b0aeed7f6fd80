import type { CloudEvent } from '@ctxb/events';
import { ContextEngine } from './context-engine';
import type { ContextOptions } from './context-options';
import type { ContextRecord } from './context-record';

/**
 * Version 0 of an order's context: the reference alone, linked as soon as the order is placed.
 * The engine numbers the versions it assembles from 1; a target holding one of those never
 * takes version 0 over it.
 */
export const PLACEMENT_VERSION = 0;

/**
 * What an `order.placed` event alone says of its order's context, as version 0 (undefined for
 * any other event, or one the engine would not take). It depends on that one event only, so it
 * is the same whatever arrived before or after it: a replay or a repeat gives the same record.
 * Connectors write only its reference (see referenceFields), so an ERP record carries the
 * link while the journey is still being assembled.
 */
export function placementRecord(
  event: CloudEvent,
  options: Partial<ContextOptions> = {},
): ContextRecord | undefined {
  if (event.type !== 'order.placed') return undefined;
  const engine = new ContextEngine(options);
  engine.ingest(event);
  const [record] = engine.drain();
  return record && { ...record, version: PLACEMENT_VERSION };
}
