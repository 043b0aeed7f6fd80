export * from './health.controller';
export * from './health.module';
export * from './indicators/clickhouse.health';
export * from './indicators/kafka.health';
export * from './indicators/odbc.health';
export * from './indicators/redis.health';
export * from './indicators/with-timeout';
