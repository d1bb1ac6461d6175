import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { openDatabase } from '../src/db/database-server.js';
import {
  DATASET_VIEWER_HANDLE,
  DATASETS,
  datasetAppConfig,
  datasetSession,
  ensureDataset,
  longThreadPath,
} from './dataset.js';
import { runLoad } from './load.js';
import { postgresCpuSeconds } from './scale.js';

// The long thread's page rendered in process, without HTTP or a load generator, to profile where its CPU
// goes: `npm run build && node --cpu-prof --cpu-prof-dir=.data/profiles dist/bench/profile-thread.js
// [--member] [--views 100]`. It prints Node's CPU per view (this process), PostgreSQL's (its backends on
// the data set's database, as the bench reads it; views in turn keep the pool's connections open, so none
// takes its CPU away when it closes) and the page's size. Run it when
// no bench runs: it starts the bench's PostgreSQL (.data/bench-postgres) and uses the large data set.

const { values } = parseArgs({
  options: {
    member: { type: 'boolean', default: false },
    views: { type: 'string', default: '100' },
    /** Write a CPU profile of the measured views (not the start) to this file (.cpuprofile). */
    profile: { type: 'string' },
    /** Write one view's HTML to this file. */
    save: { type: 'string' },
    /** Print the SQL statements one view sends. */
    queries: { type: 'boolean', default: false },
    /**
     * Measure views over HTTP (autocannon in a child process, one connection, for as many seconds as
     * `views`) instead of app.inject, whose own response handling adds to this process's CPU.
     */
    http: { type: 'boolean', default: false },
  },
});
const views = Number(values.views);

const serverConfig = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  EMBEDDED_DB_DIR: '.data/bench-postgres',
  JOB_WORKERS: 'none',
  HOST: '127.0.0.1',
  PORT: '0',
});
const handle = await openDatabase(serverConfig.database);
try {
  const { url } = await ensureDataset(handle.url, DATASETS.large);
  const config = datasetAppConfig(url);
  const app = await buildApp({
    config,
    db: createDb(url, config.database.poolMax, { idleTimeoutMillis: 0 }),
    databaseUrl: url,
  });
  try {
    await app.ready();
    const path = await longThreadPath(url);
    const headers: Record<string, string> = values.member
      ? { cookie: await datasetSession(url, DATASET_VIEWER_HANDLE) }
      : {};
    const view = async () => {
      const response = await app.inject({ method: 'GET', url: path, headers });
      if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
      if (values.save) await writeFile(values.save, response.rawPayload);
      return response.rawPayload.length;
    };
    for (let i = 0; i < 20; i++) await view();
    if (values.queries) {
      const sent: string[] = [];
      const query = pg.Client.prototype.query;
      // biome-ignore lint/suspicious/noExplicitAny: a spy on pg's overloaded query()
      pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
        const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
        if (typeof text === 'string') sent.push(text.replace(/\s+/g, ' ').slice(0, 300));
        // biome-ignore lint/suspicious/noExplicitAny: as above
        return (query as any).apply(this, args);
      } as typeof query;
      await view();
      pg.Client.prototype.query = query;
      process.stdout.write(`${sent.length} statements:\n${sent.map((text) => `  ${text}`).join('\n')}\n`);
    }
    const session = values.profile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const database = new URL(url).pathname.slice(1);
    const pg0 = database && handle.dataDir ? postgresCpuSeconds(handle.dataDir, database) : Number.NaN;
    const cpu = process.cpuUsage();
    const started = performance.now();
    let bytes = 0;
    let measured = views;
    if (values.http) {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const result = await runLoad({
        url: `${address}${path}`,
        connections: 1,
        durationSeconds: views,
        timeoutSeconds: 10,
        ...(values.member ? { headers } : {}),
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      measured = result.completed;
      bytes = await view();
    } else {
      for (let i = 0; i < views; i++) bytes = await view();
    }
    const used = process.cpuUsage(cpu);
    const postgres = handle.dataDir ? postgresCpuSeconds(handle.dataDir, database) - pg0 : Number.NaN;
    const wall = performance.now() - started;
    if (session && values.profile) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(values.profile, JSON.stringify(profile));
      session.disconnect();
    }
    process.stdout.write(
      `${values.member ? 'member' : 'signed out'}${values.http ? ' over HTTP' : ''}: ${measured} views, node CPU ${((used.user + used.system) / 1000 / measured).toFixed(1)} ms/view, PostgreSQL CPU ${((postgres * 1000) / measured).toFixed(1)} ms/view, wall ${(wall / measured).toFixed(1)} ms/view, ${(bytes / 1024).toFixed(0)} KB\n`,
    );
  } finally {
    await app.close();
  }
} finally {
  await handle.stop();
}
