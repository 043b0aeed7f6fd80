export * from './link-jobs';
