import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a database that can cut the line: `cut()` drops every connection
 * and refuses new ones, as a stopped or unreachable server does; `restore()` accepts again on
 * the same port. The database itself is shared with other tests and keeps running.
 */
export class TcpCut {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
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

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  restore(): Promise<void> {
    return this.start();
  }

  async close(): Promise<void> {
    if (this.server?.listening) await this.cut();
  }
}
