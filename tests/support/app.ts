import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  readonly app: FastifyInstance;
  /** The same client the app uses, for factories and assertions. */
  readonly db: Db;
  readonly config: Config;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** Ágora built exactly as server.ts builds it, on a database of the calling test file's own. */
export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    readonly onQuery?: (sql: string) => void;
    /** Where the app's Prisma client connects, given the test database's URL (a relay in front of it, say). */
    readonly clientUrl?: (databaseUrl: string) => Promise<string>;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  // Every test comes from 127.0.0.1: the per-address limit on sensitive forms would trip across tests.
  // Each test app keeps its uploaded files in a folder of its own, removed on close.
  const attachmentsDir = await mkdtemp(path.join(tmpdir(), 'agora-attachments-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    ATTACHMENTS_DIR: attachmentsDir,
    RATE_LIMIT_SENSITIVE_MAX: '10000',
    // Tests run the jobs themselves (app.jobs.queue.drain()), at the moment they choose.
    JOB_WORKERS: 'none',
    ...env,
  });
  const clientUrl = options.clientUrl ? await options.clientUrl(database.url) : database.url;
  const db = createDb(clientUrl, 5, {
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    timeouts: config.databaseTimeouts,
  });
  const app = await buildApp({ config, db, databaseUrl: database.url, logger: false });
  return {
    app,
    db,
    config,
    database,
    async close() {
      await app.close();
      await database.drop();
      await rm(attachmentsDir, { recursive: true, force: true });
    },
  };
}
