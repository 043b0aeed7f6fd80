export * from './bootstrap-app';
export * from './logging.module';
export * from './metrics.module';
export * from './platform-imports';
