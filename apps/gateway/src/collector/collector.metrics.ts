import { Counter, type Registry } from 'prom-client';

export const COLLECTOR_METRICS = Symbol('COLLECTOR_METRICS');

export interface CollectorMetrics {
  accepted: Counter<'key'>;
  duplicates: Counter<'key'>;
  rejected: Counter<'key'>;
}

export function collectorMetrics(registry: Registry): CollectorMetrics {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['key'], registers: [registry] });
  return {
    accepted: counter(
      'ctxb_collector_events_accepted_total',
      'Events written to Kafka by the HTTP collector',
    ),
    duplicates: counter(
      'ctxb_collector_events_duplicate_total',
      'Retried deliveries recognised by (source, id) and not written again',
    ),
    rejected: counter(
      'ctxb_collector_events_rejected_total',
      'Events rejected by validation or write-key source rules',
    ),
  };
}
