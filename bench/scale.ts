import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { createDb } from '../src/db/client.js';
import {
  BIG_COMMUNITY_SLUG,
  DATASET_DIRECTORY_WORD,
  DATASET_SEARCH,
  DATASET_TOPICS,
  DATASET_VIEWER_HANDLE,
  DATASETS,
  type DatasetParameters,
  datasetAppConfig,
  datasetSession,
  datasetThreadPath,
  deepCursor,
  ensureDataset,
  longThreadPath,
} from './dataset.js';
import { type LoadResult, runLoad } from './load.js';
import { percentiles } from './stats.js';

// The list pages at two sizes of the same site (bench/dataset.ts), taking turns in one run: p99 at a
// fixed 20 req/s, the peak in closed loop, and the CPU each request cost Node (this process: the app
// runs here, the load generator in a child) and PostgreSQL (its processes, from /proc), then the large
// ÷ small ratios the goals are written in (p99 ≤ 1.25×, PostgreSQL CPU ≤ 1.5×).

/** A page measured at both sizes. `path` may depend on the data set (a cursor, an id). */
export interface ScalePage {
  readonly name: string;
  /** Seen signed in as DATASET_VIEWER_HANDLE (else signed out). */
  readonly signedIn: boolean;
  path(context: ScaleContext): string | Promise<string>;
}

export interface ScaleContext {
  /** The data set's database URL (for a path that needs an id or a cursor). */
  readonly url: string;
  readonly parameters: DatasetParameters;
}

// ─── The pages measured at both sizes, in order. Extend here (search, feed, people…). ───
export const SCALE_PAGES: ScalePage[] = [
  { name: 'directory', signedIn: true, path: () => '/communities' },
  // A word in a fifth of the communities (the large size's total counts 400 matches), and a word in nine.
  { name: 'directory?q', signedIn: true, path: () => '/communities?q=urbanismo' },
  { name: 'directory?q-few', signedIn: true, path: () => `/communities?q=${DATASET_DIRECTORY_WORD}` },
  { name: 'topic', signedIn: true, path: () => `/t/${DATASET_TOPICS.popular}` },
  { name: 'topic-rare', signedIn: false, path: () => `/t/${DATASET_TOPICS.rare}` },
  { name: 'home', signedIn: true, path: () => '/' },
  { name: 'list', signedIn: true, path: () => `/c/${BIG_COMMUNITY_SLUG}` },
  {
    name: 'list-deep',
    signedIn: true,
    path: async ({ url }) => `/c/${BIG_COMMUNITY_SLUG}?after=${await deepCursor(url, 0.9)}`,
  },
  { name: 'thread', signedIn: true, path: ({ url }) => datasetThreadPath(url) },
  { name: 'profile', signedIn: false, path: () => `/u/${DATASET_VIEWER_HANDLE}` },
  // The long thread (200 replies, 50 of them answers): the CPU per view, signed out and as a member.
  { name: 'thread-200', signedIn: false, path: ({ url }) => longThreadPath(url) },
  { name: 'thread-200-member', signedIn: true, path: ({ url }) => longThreadPath(url) },
  // Issue 12: search (a specific question: 20 matches at either size; a common word: 1 % of threads),
  // the solved questions, people, who knows about a topic. The signed-in home page above is the feed.
  { name: 'search', signedIn: true, path: () => `/search?q=${DATASET_SEARCH.specific}` },
  { name: 'search-common', signedIn: true, path: () => `/search?q=${DATASET_SEARCH.common}` },
  { name: 'search-out', signedIn: false, path: () => `/search?q=${DATASET_SEARCH.specific}` },
  // A word in nine posts of ten (every generated reply has it): the newest results only (SEARCH_RANKED_RESULTS).
  {
    name: 'search-everywhere',
    signedIn: true,
    path: () => `/search?q=${encodeURIComponent(DATASET_SEARCH.everywhere)}`,
  },
  { name: 'solved', signedIn: true, path: () => '/solved' },
  // The same word among solved questions: a walk of the solved questions by date (ADR 027).
  {
    name: 'solved-everywhere',
    signedIn: true,
    path: () => `/solved?q=${encodeURIComponent(DATASET_SEARCH.everywhere)}`,
  },
  { name: 'people', signedIn: true, path: () => '/people' },
  { name: 'people?q', signedIn: true, path: () => '/people?q=persona+12' },
  { name: 'who-knows', signedIn: true, path: () => `/people?topic=${DATASET_TOPICS.rare}` },
];

export interface ScaleSettings {
  /** Seconds of the closed loop (the peak). */
  readonly durationSeconds: number;
  /**
   * Seconds at the fixed rate, where p99 is read: at 20 req/s, 5 s is 100 requests and their p99 the
   * slowest but one, which one hiccup of a shared machine decides; 15 s is 300.
   */
  readonly fixedSeconds: number;
  /**
   * The fixed-rate seconds are cut into this many slices, the small and the large size's taking turns, and
   * each size's p99 is read from its slices' answers pooled: both sizes meet the same minutes of a shared
   * machine, where measured one after the other a hiccup in one of them decided a cheap page's ratio.
   */
  readonly slices: number;
  /** The fixed rate p99 is measured at (the table: 20 req/s). */
  readonly rate: number;
  readonly connections: number;
  readonly pages: readonly string[];
}

export interface ScaleRow {
  readonly page: string;
  readonly size: string;
  readonly path: string;
  readonly p99Ms: number;
  readonly p50Ms: number;
  /** Closed loop. */
  readonly requestsPerSecond: number;
  /** CPU milliseconds per request at the fixed rate. */
  readonly nodeCpuMs: number;
  readonly postgresCpuMs: number;
  readonly errors: number;
  readonly non2xx: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) of the live PostgreSQL backends serving `database` (children of the
 * server's postmaster whose process title names that database): the work of the pages measured, without
 * the checkpointer, autovacuum or other databases' sessions. A backend that exits takes its CPU with it,
 * so the callers' pools keep their connections open (createDb's idleTimeoutMillis: 0) while they measure.
 * Counting exited children instead (the postmaster's cutime) charged a page with the CPU of whatever
 * exited meanwhile: an autovacuum worker, or the other data set's connections (46 ms a view once).
 */
export function postgresCpuSeconds(dataDir: string, database: string): number {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return Number.NaN;
  }
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid … utime(14) stime(15): fields after the ")" of comm, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== postmaster) continue;
    let title = '';
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.includes(` ${database} `)) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

function nodeCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function measured(
  job: Parameters<typeof runLoad>[0],
  dataDir: string | null,
  database: string,
): Promise<{ result: LoadResult; node: number; postgres: number }> {
  const node0 = nodeCpuSeconds();
  const pg0 = dataDir ? postgresCpuSeconds(dataDir, database) : Number.NaN;
  const result = await runLoad(job);
  const node = nodeCpuSeconds() - node0;
  const postgres = dataDir ? postgresCpuSeconds(dataDir, database) - pg0 : Number.NaN;
  return { result, node, postgres };
}

/** One data set served by its own Ágora in this process. */
interface ServedDataset {
  readonly parameters: DatasetParameters;
  readonly url: string;
  readonly base: string;
  readonly cookie: string;
}

/**
 * Builds (or finds) both data sets on the bench's PostgreSQL, serves each with its own Ágora in this
 * process, and measures every page at both sizes, the two taking turns at the fixed rate (settings.slices),
 * so the two measurements of a page meet the same minutes of the machine (a shared machine's load drifts
 * over minutes and hiccups for moments; measured size after size, a page's two p99s were taken ten minutes
 * apart). `dataDir`: the server's data folder, for its CPU.
 */
export async function benchAtScale(
  serverUrl: string,
  dataDir: string | null,
  settings: ScaleSettings,
  progress: (line: string) => void,
): Promise<{ rows: ScaleRow[]; built: Record<string, number | null> }> {
  const rows: ScaleRow[] = [];
  const built: Record<string, number | null> = {};
  const pages = SCALE_PAGES.filter((page) => settings.pages.includes(page.name));
  const apps: FastifyInstance[] = [];
  const dbs: ReturnType<typeof createDb>[] = [];
  const served: ServedDataset[] = [];
  try {
    for (const parameters of [DATASETS.small, DATASETS.large]) {
      progress(`Data set ${parameters.name}: ${parameters.people} people, ${parameters.threads} threads…`);
      const { url, builtSeconds } = await ensureDataset(serverUrl, parameters, progress);
      built[parameters.name] = builtSeconds;
      progress(builtSeconds === null ? '  kept from an earlier run' : `  built in ${builtSeconds.toFixed(0)} s`);
      const config = datasetAppConfig(url);
      // Connections stay open while the other size is measured: one that closes hands its CPU to the
      // postmaster's exited children, which postgresCpuSeconds counts for whichever page is running then.
      const db = createDb(url, config.database.poolMax, { idleTimeoutMillis: 0, timeouts: config.databaseTimeouts });
      dbs.push(db);
      const app = await buildApp({ config, db, databaseUrl: url });
      apps.push(app);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      served.push({ parameters, url, base, cookie: await datasetSession(url, DATASET_VIEWER_HANDLE) });
    }
    for (const page of pages) {
      try {
        rows.push(...(await measurePage(page)));
      } catch (error) {
        progress(`  ${page.name}: not measured, ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    for (const app of apps) await app.close();
    // A pool whose app was never built is closed here (an app closes its own).
    for (const db of dbs.slice(apps.length)) await db.$disconnect();
  }
  return { rows, built };

  /** A page at both sizes: the fixed rate in slices taking turns, then each size's peak. */
  async function measurePage(page: ScalePage): Promise<ScaleRow[]> {
    const jobs = await Promise.all(
      served.map(async ({ parameters, url, base, cookie }) => {
        const pathname = await page.path({ url, parameters });
        const headers = page.signedIn ? { cookie } : undefined;
        const check = await fetch(`${base}${pathname}`, { headers: headers ?? {} });
        await check.arrayBuffer();
        if (!check.ok) throw new Error(`${page.name} (${parameters.name}) ${pathname} answered ${check.status}`);
        const job = { url: `${base}${pathname}`, timeoutSeconds: 10, ...(headers ? { headers } : {}) };
        return {
          parameters,
          url,
          pathname,
          job,
          samples: [] as number[],
          completed: 0,
          answered: 0,
          node: 0,
          postgres: 0,
          errors: 0,
          non2xx: 0,
        };
      }),
    );
    // Warm up (plans, caches, the JIT), then the fixed rate in turns, then the peak.
    for (const size of jobs) await runLoad({ ...size.job, connections: settings.connections, durationSeconds: 1 });
    const slices = Math.max(1, Math.min(settings.slices, settings.fixedSeconds));
    for (let slice = 0; slice < slices; slice++) {
      for (const size of jobs) {
        const run = await measured(
          {
            ...size.job,
            connections: Math.min(10, settings.rate),
            rate: settings.rate,
            durationSeconds: settings.fixedSeconds / slices,
          },
          dataDir,
          new URL(size.url).pathname.slice(1),
        );
        size.samples.push(...(run.result.correctedSamplesMs ?? []));
        size.completed += run.result.completed;
        // CPU is read over the whole run, its first second (connections starting) included, whose answers
        // `completed` leaves out: divided by every answer of the run, or short slices would read high.
        size.answered += Object.values(run.result.statusCodes).reduce((sum, count) => sum + count, 0);
        size.node += run.node;
        size.postgres += run.postgres;
        size.errors += run.result.errors;
        size.non2xx += run.result.non2xx;
      }
    }
    const rows: ScaleRow[] = [];
    for (const size of jobs) {
      const peak = await runLoad({
        ...size.job,
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
      });
      const latency = percentiles(size.samples);
      const requests = Math.max(1, size.answered);
      const row: ScaleRow = {
        page: page.name,
        size: size.parameters.name,
        path: size.pathname.length > 60 ? `${size.pathname.slice(0, 57)}…` : size.pathname,
        p99Ms: latency.p99,
        p50Ms: latency.p50,
        requestsPerSecond: peak.requestsPerSecond,
        nodeCpuMs: (size.node * 1000) / requests,
        postgresCpuMs: (size.postgres * 1000) / requests,
        errors: size.errors + peak.errors,
        non2xx: size.non2xx + peak.non2xx,
      };
      progress(
        `  ${page.name} (${size.parameters.name}): p99 ${row.p99Ms.toFixed(1)} ms at ${settings.rate}/s, ${row.requestsPerSecond.toFixed(0)} req/s peak, CPU/request node ${row.nodeCpuMs.toFixed(1)} ms + PostgreSQL ${row.postgresCpuMs.toFixed(1)} ms`,
      );
      rows.push(row);
    }
    return rows;
  }
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** The table: per page, both sizes and the large ÷ small ratios, with the goals marked. */
export function renderScaleTable(rows: readonly ScaleRow[]): string {
  const pages = [...new Set(rows.map((row) => row.page))];
  const header = [
    'page',
    'p99 ms small → large',
    'ratio',
    'req/s small → large',
    'node CPU ms/req',
    'PG CPU ms/req',
    'PG ratio',
    'errors',
  ];
  const lines = pages.map((page) => {
    const small = rows.find((row) => row.page === page && row.size === 'small');
    const large = rows.find((row) => row.page === page && row.size === 'large');
    if (!small || !large) return [page, '—', '—', '—', '—', '—', '—', '—'];
    const p99Ratio = large.p99Ms / small.p99Ms;
    const pgRatio = large.postgresCpuMs / small.postgresCpuMs;
    return [
      page,
      `${fixed(small.p99Ms)} → ${fixed(large.p99Ms)}`,
      `${fixed(p99Ratio, 2)}${p99Ratio > 1.25 ? ' !' : ''}`,
      `${fixed(small.requestsPerSecond, 0)} → ${fixed(large.requestsPerSecond, 0)}`,
      `${fixed(small.nodeCpuMs)} → ${fixed(large.nodeCpuMs)}`,
      `${fixed(small.postgresCpuMs)} → ${fixed(large.postgresCpuMs)}`,
      `${fixed(pgRatio, 2)}${pgRatio > 1.5 ? ' !' : ''}`,
      String(small.errors + small.non2xx + large.errors + large.non2xx),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  return [format(header), widths.map((width) => '─'.repeat(width)).join('  '), ...lines.map(format)].join('\n');
}
