export * from './delivery-failure';
export * from './field-mapping';
export * from './connector';
