export * from './dead-letters';
export * from './group-commit';
export * from './link-jobs';
export * from './link-queue-worker';
export * from './link-routes';
export * from './retry-policy';
