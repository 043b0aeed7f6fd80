import { connect, type Connection } from 'odbc';

/**
 * A small pool of ODBC connections to one ERP database. Unlike `odbc`'s own pool, which hands
 * a connection back for reuse whatever happened to it, a connection that failed as lost is
 * closed for good: after the database restarts, the next write connects afresh.
 */
export class OdbcConnections {
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private leased = 0;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly options: { size: number; loginTimeoutSeconds: number },
  ) {}

  /** A connection of the pool, waiting while `size` are in use. */
  async connect(): Promise<Connection> {
    while (this.leased >= this.options.size)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.closed) throw new Error('the connection pool is closed');
    this.leased += 1;
    const reused = this.idle.pop();
    if (reused) return reused;
    try {
      return await connect({
        connectionString: this.connectionString,
        loginTimeout: this.options.loginTimeoutSeconds,
      });
    } catch (error) {
      this.giveBack();
      throw error;
    }
  }

  /** Gives a connection back; a broken one is closed instead of kept. */
  async release(connection: Connection, broken: boolean): Promise<void> {
    this.giveBack();
    if (broken || this.closed) await connection.close().catch(() => undefined);
    else this.idle.push(connection);
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((c) => c.close().catch(() => undefined)));
    for (const wake of this.waiting.splice(0)) wake();
  }

  private giveBack(): void {
    this.leased -= 1;
    this.waiting.shift()?.();
  }
}
