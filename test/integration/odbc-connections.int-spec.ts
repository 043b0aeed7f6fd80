import { createServer, type Server, type Socket } from 'node:net';
import { DeliveryFailure } from '@ctxb/connector-sdk';
import { OdbcConnections } from '@ctxb/odbc-connector';
import { POSTGRES } from '../../apps/cli/src/local-services/erp-databases';

const ERP = `DSN=${POSTGRES.dsn}`;

async function backendPid(pool: OdbcConnections, broken = false): Promise<number> {
  const connection = await pool.connect();
  const [row] = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await pool.release(connection, broken);
  return Number(row.pid);
}

describe('OdbcConnections (the ODBC pool of one ERP database)', () => {
  it('reuses a connection given back, and never one given back broken', async () => {
    const pool = new OdbcConnections(ERP, { size: 2, loginTimeoutSeconds: 5 });
    try {
      const first = await backendPid(pool);
      expect(await backendPid(pool)).toBe(first);
      expect(await backendPid(pool, true)).toBe(first);
      expect(await backendPid(pool)).not.toBe(first);
    } finally {
      await pool.close();
    }
  });

  it('hands out at most `size` connections, the next caller waiting for one to come back', async () => {
    const pool = new OdbcConnections(ERP, { size: 1, loginTimeoutSeconds: 5 });
    try {
      const held = await pool.connect();
      let second = false;
      const next = pool.connect().then((c) => {
        second = true;
        return c;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(second).toBe(false);
      await pool.release(held, false);
      await pool.release(await next, false);
      expect(second).toBe(true);
    } finally {
      await pool.close();
    }
  });

  describe('an ERP database that accepts connections and never answers', () => {
    let hung: Server;
    let port: number;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      hung = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', () => resolve()));
      port = (hung.address() as { port: number }).port;
    });
    afterAll(async () => {
      const closed = new Promise((resolve) => hung.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    });

    const hungPool = () =>
      new OdbcConnections(
        `Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=${port};Database=erp;Username=postgres`,
        { size: 4, loginTimeoutSeconds: 1, pauseMs: 2000, maxPauseMs: 8000 },
      );
    const timed = async (work: () => Promise<unknown>) => {
      const started = Date.now();
      const error = await work().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, ms: Date.now() - started };
    };

    it('tries one connect for many callers, then answers "connection lost" at once for a pause', async () => {
      const alone = hungPool();
      const one = await timed(() => alone.connect());
      await alone.close();
      expect(one.ms).toBeGreaterThanOrEqual(900);
      const pool = hungPool();
      try {
        // Four callers at once: one connect waits out the login timeout, the others are told
        // at once after it (a connect holds node-odbc's process-wide lock all that time).
        const together = await timed(() =>
          Promise.allSettled([1, 2, 3, 4].map(() => pool.connect())).then((all) => {
            if (all.some((r) => r.status === 'fulfilled')) throw new Error('connected?');
            throw (all[3] as PromiseRejectedResult).reason;
          }),
        );
        expect(together.ms).toBeLessThan(one.ms + 500);
        expect(together.error).toBeInstanceOf(DeliveryFailure);
        expect((together.error as DeliveryFailure).kind).toBe('connection-lost');

        const paused = await timed(() => pool.connect());
        expect(paused.ms).toBeLessThan(100);
        expect((paused.error as Error).message).toMatch(/next try in \d s/);

        // After the pause, one connect is tried again.
        await new Promise((resolve) => setTimeout(resolve, 2100));
        const again = await timed(() => pool.connect());
        expect(again.ms).toBeGreaterThan(one.ms / 2);
      } finally {
        await pool.close();
      }
    }, 20_000);
  });
});
