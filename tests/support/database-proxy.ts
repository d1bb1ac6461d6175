import net from 'node:net';

/**
 * A TCP relay in front of a test database, to take "the database server" away and bring it back
 * while the app runs: stop() closes every relayed connection (the app's sockets are reset mid-query)
 * and refuses new ones (ECONNREFUSED), as a PostgreSQL restart does; start() listens again on the
 * same port. pause() keeps every connection open and accepts new ones but relays nothing, as a server
 * that hangs (stopped by SIGSTOP, or a network dropping packets) does; resume() delivers what was held,
 * in order, as that server would once it wakes.
 */
export interface DatabaseProxy {
  /** `url` with its host and port replaced by the relay's. */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function createDatabaseProxy(target: string): Promise<DatabaseProxy> {
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  // While paused, every chunk either way waits here, in the order it came.
  let held: (() => void)[] | null = null;

  function relay(from: net.Socket, to: net.Socket) {
    from.on('data', (chunk: Buffer) => {
      const deliver = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (held) held.push(deliver);
      else deliver();
    });
    from.on('end', () => {
      if (held) held.push(() => to.end());
      else to.end();
    });
  }

  function listen(): Promise<void> {
    if (server) return Promise.resolve();
    const next = net.createServer((client) => {
      const backend = net.connect(Number(upstream.port || 5432), upstream.hostname);
      for (const socket of [client, backend]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          backend.destroy();
        });
      }
      relay(client, backend);
      relay(backend, client);
    });
    server = next;
    return new Promise((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  async function stop(): Promise<void> {
    held = null;
    const current = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    stop,
    start: listen,
    pause: () => {
      held ??= [];
    },
    resume: () => {
      const waiting = held ?? [];
      held = null;
      for (const deliver of waiting) deliver();
    },
    close: stop,
  };
}
