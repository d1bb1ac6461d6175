import { readFileSync } from 'node:fs';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { createDb } from '../src/db/client.js';
import { DATASET_VIEWER_HANDLE, datasetAppConfig, datasetSession } from './dataset.js';

// What one page costs PostgreSQL, statement by statement: the page is asked for through app.inject on one
// connection, and pg_stat_statements says each statement's planning and execution time per view, with the
// CPU of that connection's backend (from /proc) and of this process. For finding which statement grows
// with the data set (docs/benchmarks.md, "Finding what a page spends"); the bench itself reads CPU only.
//
//   npm run build && node dist/bench/page-statements.js <database URL> <path> [views] [signed-out]
//
// The database: a bench data set (agora_scale_small or agora_scale_large) on a PostgreSQL started with
// shared_preload_libraries = 'pg_stat_statements' and on this machine (the backend's CPU is read from
// /proc). Signed in as the data set's viewer (DATASET_VIEWER_HANDLE) unless `signed-out` is given.

const [url, pathname, viewsArgument, signedOut] = process.argv.slice(2);
if (!url || !pathname?.startsWith('/')) {
  console.error('usage: node dist/bench/page-statements.js <database URL> <path> [views] [signed-out]');
  process.exit(2);
}
const views = Number(viewsArgument ?? 50);

const config = datasetAppConfig(url);
// One connection, so that one backend serves every view and its CPU is the page's.
const db = createDb(url, 1);
const app = await buildApp({ config, db, databaseUrl: url });
const cookie = signedOut === 'signed-out' ? undefined : await datasetSession(url, DATASET_VIEWER_HANDLE);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
try {
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const view = () => app.inject({ method: 'GET', url: pathname, headers: cookie ? { cookie } : {} });
  // Warm: plans kept per connection, caches, the JIT.
  for (let i = 0; i < 20; i++) await view();
  await admin.query('SELECT pg_stat_statements_reset()');
  const [backend] = await db.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  /** The backend's user + system CPU, in ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
  const backendCpu = () => {
    const fields = readFileSync(`/proc/${backend?.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const cpu0 = backendCpu();
  const node0 = process.cpuUsage();
  let status = 0;
  for (let i = 0; i < views; i++) status = (await view()).statusCode;
  const pgMs = (backendCpu() - cpu0) / views;
  const node = process.cpuUsage(node0);
  console.log(
    `${pathname}: status ${status}; per view: PostgreSQL backend CPU ${pgMs.toFixed(2)} ms, node CPU ${((node.user + node.system) / 1000 / views).toFixed(2)} ms`,
  );
  const { rows } = await admin.query(
    `SELECT calls, round((total_plan_time / $1)::numeric, 3) AS plan, round((total_exec_time / $1)::numeric, 3) AS exec,
            plans, rows / $1 AS rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS statement
       FROM pg_stat_statements
      WHERE query NOT LIKE '%pg_stat_statements%' AND calls >= $1
      ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`,
    [views],
  );
  console.log('calls  plan ms  exec ms  plans  rows  statement (per view; plans = views it was planned in)');
  for (const row of rows) {
    console.log(
      `${String(row.calls).padStart(5)}  ${String(row.plan).padStart(7)}  ${String(row.exec).padStart(7)}  ${String(row.plans).padStart(5)}  ${String(row.rows).padStart(4)}  ${row.statement}`,
    );
  }
} finally {
  await admin.end();
  await app.close();
}
