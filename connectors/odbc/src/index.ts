export * from './odbc-profile';
export * from './link-statements';
export * from './odbc-link-target';
export * from './profile-check';
export * from './odbc-connections';
export * from './prepared-statements';
