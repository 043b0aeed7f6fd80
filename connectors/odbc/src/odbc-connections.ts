import { DeliveryFailure } from '@ctxb/connector-sdk';
import { connect, type Connection } from 'odbc';

/**
 * What the driver says of a connection: node-odbc's `connected` is a property (its typings
 * declare a method), false once the driver holds the connection dead.
 */
export interface ConnectionState {
  readonly connected: boolean;
}

/** Whether the driver still holds the connection alive (SQL_ATTR_CONNECTION_DEAD). */
export function isAlive(connection: Connection | ConnectionState): boolean {
  return (connection as ConnectionState).connected;
}

export interface OdbcConnectionsOptions {
  /** Connections at most, in use or idle. */
  size: number;
  loginTimeoutSeconds: number;
  /** After a failed connect, the first wait before the next; it doubles up to maxPauseMs. */
  pauseMs?: number;
  maxPauseMs?: number;
}

/**
 * A small pool of ODBC connections to one ERP database.
 *
 * - A connection that failed as lost is closed for good, not handed out again (`odbc`'s own
 *   pool reuses whatever it was given back), and so are the idle ones: after the database
 *   restarts, the next write connects afresh.
 * - New connections are opened one at a time, and after a failed connect the pool answers
 *   "connection lost" at once for a pause that doubles with each further failure. node-odbc
 *   holds one process-wide lock for the whole of a connect, so every connect to an ERP that
 *   does not answer stalls all ODBC work of the process for the login timeout; this bounds
 *   that to one connect per pause.
 */
export class OdbcConnections {
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private leased = 0;
  private closed = false;
  private opening: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private pausedUntil = 0;

  constructor(
    private readonly connectionString: string,
    private readonly options: OdbcConnectionsOptions,
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
      return await this.open();
    } catch (error) {
      this.giveBack();
      throw error;
    }
  }

  /**
   * Gives a connection back; a broken one is closed instead of kept, and the idle ones with it:
   * a lost connection most often means the server went away or restarted, and then every
   * connection it held is dead too (the next writes connect afresh rather than each fail once).
   */
  async release(connection: Connection, broken: boolean): Promise<void> {
    this.giveBack();
    if (!broken && !this.closed) {
      this.idle.push(connection);
      return;
    }
    const stale = broken ? this.idle.splice(0) : [];
    await Promise.all([connection, ...stale].map((c) => c.close().catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((c) => c.close().catch(() => undefined)));
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Opens a connection after the ones being opened, unless connects are paused. */
  private open(): Promise<Connection> {
    const opened = this.opening.then(async () => {
      const pause = this.pausedUntil - Date.now();
      if (pause > 0)
        throw new DeliveryFailure(
          'connection-lost',
          `connecting: the last ${this.failures} connect(s) failed; next try in ${Math.ceil(pause / 1000)} s`,
        );
      try {
        const connection = await connect({
          connectionString: this.connectionString,
          loginTimeout: this.options.loginTimeoutSeconds,
        });
        this.failures = 0;
        return connection;
      } catch (error) {
        this.failures += 1;
        const first = this.options.pauseMs ?? 1000;
        this.pausedUntil =
          Date.now() +
          Math.min(this.options.maxPauseMs ?? 30_000, first * 2 ** Math.min(this.failures - 1, 20));
        throw error;
      }
    });
    this.opening = opened.catch(() => undefined);
    return opened;
  }

  private giveBack(): void {
    this.leased -= 1;
    this.waiting.shift()?.();
  }
}
