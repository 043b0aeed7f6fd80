import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a database that can cut the line: `cut()` drops every connection
 * and refuses new ones, as a stopped or unreachable server does; `restore()` accepts again on
 * the same port. The database itself is shared with other tests and keeps running.
 */
export class TcpCut {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** The local ports of the relay's open connections to the database. */
  private readonly upstreamPorts = new Set<number>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      upstream.on('connect', () => {
        const port = upstream.localPort;
        if (port === undefined) return;
        this.upstreamPorts.add(port);
        upstream.on('close', () => this.upstreamPorts.delete(port));
      });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) =>
      this.server!.listen(this.port, '127.0.0.1', () => resolve()),
    );
    this.port = (this.server.address() as { port: number }).port;
  }

  /**
   * Cuts the line; answers the local ports its connections to the database had, by which the
   * database's own view (`pg_stat_activity.client_port`) tells when it has let go of them: a
   * COMMIT that reached it just before the cut may still be finishing until then.
   */
  async cut(): Promise<number[]> {
    const ports = [...this.upstreamPorts];
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    return ports;
  }

  restore(): Promise<void> {
    return this.start();
  }

  async close(): Promise<void> {
    if (this.server?.listening) await this.cut();
  }
}
