export * from './clickhouse-client';
export * from './context-record.store';
export * from './sql/sql';
