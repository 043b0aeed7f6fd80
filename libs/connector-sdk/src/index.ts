export * from './delivery-failure';
export * from './field-mapping';
export * from './connector';
export * from './erp-amounts';
export * from './profile-reading';
