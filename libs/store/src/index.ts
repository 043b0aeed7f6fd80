export * from './clickhouse-client';
export * from './context-record.store';
