export * from './panel-links';
