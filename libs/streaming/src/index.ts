export * from './batching-publisher';
export * from './event-codec';
export * from './event-deduplicator';
export * from './kafka-client';
export * from './topic-provisioner';
export * from './validating-event-consumer';
export * from './kafka-startup';
export * from './redis-client';
