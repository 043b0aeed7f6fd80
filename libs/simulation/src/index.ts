export * from './catalogue-data';
export * from './order-12345.scenario';
export * from './seeded-random';
export * from './traffic-generator';
export * from './order-12345-records';
