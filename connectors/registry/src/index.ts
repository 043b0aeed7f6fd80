export * from './link-connectors';
