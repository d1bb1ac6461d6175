import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface DatabaseHandle {
  /** Where Ágora's database is. */
  readonly url: string;
  /** True when this process started an embedded PostgreSQL that it must stop. */
  readonly embedded: boolean;
  /** The embedded database's data folder (where root keeps it when the `postgres` user cannot reach the one asked for). */
  readonly dataDir: string | null;
  /** Stops the embedded server, if this process started one; otherwise does nothing. */
  stop(): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'agora';

/** Uses DATABASE_URL when set; otherwise starts the embedded PostgreSQL with Ágora's database in it. */
export async function openDatabase(
  database: Config['database'],
  log?: (line: string) => void,
): Promise<DatabaseHandle> {
  if (database.kind === 'server') {
    return { url: database.url, embedded: false, dataDir: null, stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({ dir: database.dir, port: database.port, ...(log ? { log } : {}) });
  try {
    const url = await server.ensureDatabase(EMBEDDED_DATABASE_NAME);
    return { url, embedded: true, dataDir: server.dataDir, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The URL with its password hidden, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
