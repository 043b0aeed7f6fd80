export * from './app-config';
export * from './config-loader';
export * from './config.module';
export * from './configuration.exception';
