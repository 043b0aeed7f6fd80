/**
 * The two local databases that play ERPs in development and tests. Connector profiles reach
 * them through the ODBC DSNs `ctxb services up` installs; these are the coordinates behind them.
 */
export const ERP_DATABASE = 'erp';

export const POSTGRES = {
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
  dsn: 'ctxb_erp_postgres',
} as const;
export const MARIADB = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  dsn: 'ctxb_erp_mariadb',
} as const;
