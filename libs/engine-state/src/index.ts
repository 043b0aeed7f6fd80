export * from './engine-snapshots';
