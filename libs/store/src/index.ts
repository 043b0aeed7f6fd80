export * from './clickhouse-client';
export * from './context-record.store';
export * from './sql/sql';
export * from './migrations/migrator';
export * from './migrations/store-migrations';
export * from './context-rows';
export * from './money';
export * from './reports/checkout-performance';
