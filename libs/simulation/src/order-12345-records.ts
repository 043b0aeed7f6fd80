import { ContextEngine, type ContextRecord } from '@ctxb/context';
import { order12345Events } from './order-12345.scenario';

/** Every context version the pure engine makes of the order-12345 story, in order. */
export function order12345Records(): ContextRecord[] {
  const engine = new ContextEngine();
  const records = order12345Events().flatMap((e) => engine.ingest(e).records);
  return [...records, ...engine.drain()];
}
