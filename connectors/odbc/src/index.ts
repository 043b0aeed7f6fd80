export * from './odbc-profile';
