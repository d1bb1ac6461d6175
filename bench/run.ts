import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/client.js';
import { type DatabaseHandle, openDatabase } from '../src/db/database-server.js';
import { applyMigrations } from '../src/db/migrate.js';
import { projectRoot } from '../src/paths.js';
import { Interrupted, type LoadJob, runLoad } from './load.js';
import { benchNotifications, FANOUT_SIZES, renderNotificationBench } from './notifications.js';
import { benchPolicyGuards, renderPolicyBench } from './policy.js';
import {
  CEILING_NAME,
  type Measurement,
  type Mode,
  rateHeld,
  renderNotes,
  renderTable,
  reportedLatency,
} from './report.js';
import { benchAtScale, renderScaleTable, SCALE_PAGES, type ScaleRow } from './scale.js';
import { BENCH_ROUTES, BENCH_SEEDS, type RouteContext } from './scenario.js';

// `npm run bench`: Ágora on an embedded PostgreSQL seeded for the purpose, each
// route loaded at a fixed rate and then in closed loop, next to a bare Fastify
// route as the ceiling. See docs/benchmarks.md.

const USAGE = `Usage: npm run bench -- [options]   (each option also reads BENCH_<NAME>, e.g. BENCH_RATE=150)
  --duration <s>          seconds per route and mode (default 5)
  --warmup <s>            closed-loop seconds per route before measuring, discarded (default 1; 0 = none)
  --rate <req/s>          the fixed-rate mode's requests per second (default 100)
  --rate-connections <n>  connections for the fixed-rate mode, started in turn over a second (default 20)
  --connections <n>       connections for the closed-loop mode (default 10)
  --routes <a,b>          only these routes (names: ${BENCH_ROUTES.map((route) => route.name).join(', ')})
  --scale <a,b|none>      list pages at two data sizes, 20 req/s then closed loop (default all: ${SCALE_PAGES.map((page) => page.name).join(', ')})
  --scale-duration <s>    seconds of each list page's 20 req/s phase, where its p99 is read (default 15: 300 requests)
  --scale-slices <n>      that phase in n slices, the two sizes taking turns, each size's answers pooled (default 3)
  --help                  this text`;

interface Settings {
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly rate: number;
  readonly rateConnections: number;
  readonly connections: number;
  readonly timeoutSeconds: number;
  readonly routes: readonly string[];
  readonly scalePages: readonly string[];
  readonly scaleSeconds: number;
  readonly scaleSlices: number;
}

class UsageError extends Error {}

function readSettings(argv: string[], env: Record<string, string | undefined>): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rate: { type: 'string' },
      'rate-connections': { type: 'string' },
      connections: { type: 'string' },
      routes: { type: 'string' },
      scale: { type: 'string' },
      'scale-duration': { type: 'string' },
      'scale-slices': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  const number = (flag: keyof typeof values, variable: string, fallback: number, min: number, max: number) => {
    const text = (values[flag] as string | undefined) ?? env[variable];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} (${variable}) must be a whole number from ${min} to ${max}, got ${text}`);
    }
    return value;
  };
  const routeList = values.routes ?? env.BENCH_ROUTES;
  const known = new Set(BENCH_ROUTES.map((route) => route.name));
  const routes = routeList ? routeList.split(',').map((name) => name.trim()) : [...known];
  const unknown = routes.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown route(s): ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const scaleList = values.scale ?? env.BENCH_SCALE ?? 'all';
  const scaleKnown = SCALE_PAGES.map((page) => page.name);
  const scalePages =
    scaleList === 'all' ? scaleKnown : scaleList === 'none' ? [] : scaleList.split(',').map((name) => name.trim());
  const unknownScale = scalePages.filter((name) => !scaleKnown.includes(name));
  if (unknownScale.length > 0) {
    throw new UsageError(`unknown scale page(s): ${unknownScale.join(', ')}; known: ${scaleKnown.join(', ')}`);
  }
  return {
    scalePages,
    durationSeconds: number('duration', 'BENCH_DURATION', 5, 1, 300),
    scaleSeconds: number('scale-duration', 'BENCH_SCALE_DURATION', 15, 1, 300),
    scaleSlices: number('scale-slices', 'BENCH_SCALE_SLICES', 3, 1, 30),
    warmupSeconds: number('warmup', 'BENCH_WARMUP', 1, 0, 60),
    rate: number('rate', 'BENCH_RATE', 100, 1, 100_000),
    rateConnections: number('rate-connections', 'BENCH_RATE_CONNECTIONS', 20, 1, 100),
    connections: number('connections', 'BENCH_CONNECTIONS', 10, 1, 1000),
    timeoutSeconds: 10,
    routes,
  };
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

function baseUrlOf(server: FastifyInstance): string {
  const address = server.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

async function getText(baseUrl: string, pathname: string): Promise<string> {
  const response = await fetch(`${baseUrl}${pathname}`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${pathname} answered ${response.status}`);
  return body;
}

interface Target {
  readonly name: string;
  readonly baseUrl: string;
  readonly path: string;
}

async function measureAll(targets: readonly Target[], settings: Settings, signal: AbortSignal): Promise<Measurement[]> {
  const modes: Mode[] = ['fixed-rate', 'closed-loop'];
  const total = targets.length * modes.length;
  const measurements: Measurement[] = [];
  let ceiling: number | undefined;
  for (const target of targets) {
    const url = `${target.baseUrl}${target.path}`;
    if (settings.warmupSeconds > 0) {
      progress(`  ${target.name}: warming up (${settings.warmupSeconds} s, closed loop)`);
      await runLoad(
        {
          url,
          connections: settings.connections,
          durationSeconds: settings.warmupSeconds,
          timeoutSeconds: settings.timeoutSeconds,
        },
        signal,
      );
    }
    for (const mode of modes) {
      const job: LoadJob =
        mode === 'fixed-rate'
          ? {
              url,
              connections: settings.rateConnections,
              rate: settings.rate,
              durationSeconds: settings.durationSeconds,
              timeoutSeconds: settings.timeoutSeconds,
            }
          : {
              url,
              connections: settings.connections,
              durationSeconds: settings.durationSeconds,
              timeoutSeconds: settings.timeoutSeconds,
            };
      const label =
        mode === 'fixed-rate' ? `fixed rate ${settings.rate} req/s` : `closed loop ${settings.connections} conn`;
      progress(
        `[${measurements.length + 1}/${total}] ${target.name} ${target.path}: ${label}, ${settings.durationSeconds} s`,
      );
      // The server runs in this process (the load in a child): its CPU time over the answers it gave.
      const cpuBefore = process.cpuUsage();
      const result = await runLoad(job, signal);
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMsPerRequest = result.completed > 0 ? (cpu.user + cpu.system) / 1000 / result.completed : 0;
      if (mode === 'closed-loop' && target.name === CEILING_NAME) ceiling = result.requestsPerSecond;
      const measurement: Measurement = {
        route: target.name,
        path: target.path,
        mode,
        ...(mode === 'fixed-rate' ? { targetRate: settings.rate } : {}),
        result,
        ...(target.name === CEILING_NAME ? {} : { cpuMsPerRequest }),
        ...(mode === 'closed-loop' && ceiling ? { ratioToCeiling: result.requestsPerSecond / ceiling } : {}),
      };
      measurements.push(measurement);
      const latency = reportedLatency(measurement);
      progress(
        `      ${result.requestsPerSecond.toFixed(0)} req/s${rateHeld(measurement) ? '' : ' (rate not held)'}, p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, CPU ${cpuMsPerRequest.toFixed(2)} ms/req, ${result.errors} errors, ${result.non2xx} non-2xx`,
      );
    }
  }
  return measurements;
}

async function main(): Promise<number> {
  let settings: Settings | null;
  try {
    settings = readSettings(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (!settings) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const started = performance.now();
  const controller = new AbortController();
  const interrupt = () => {
    progress('Interrupted: stopping…');
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    EMBEDDED_DB_DIR: '.data/bench-postgres',
    // The routes measured only read; the notifications' bench (bench/notifications.ts) runs the jobs itself,
    // and a worker here would take some of them (and mail them to the outbox).
    JOB_WORKERS: 'none',
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const runs = (settings.routes.length + 1) * (settings.warmupSeconds + 2 * settings.durationSeconds + 2);
  const cpus = os.cpus().length;
  const loadBefore = os.loadavg()[0] ?? 0;
  progress(
    `Ágora bench: ${settings.routes.length} route(s) + the bare Fastify ceiling, about ${runs} s of load (Node ${process.version}, ${cpus} CPUs, load average ${loadBefore.toFixed(2)})`,
  );
  const busy =
    loadBefore > cpus / 2
      ? `load average was ${loadBefore.toFixed(2)} on ${cpus} CPUs before the run: something else was busy, so expect noisy numbers.`
      : undefined;
  if (busy) progress(`Warning: ${busy}`);

  let database: DatabaseHandle | undefined;
  let db: Db | undefined;
  let app: FastifyInstance | undefined;
  let bare: FastifyInstance | undefined;
  try {
    if (config.database.kind === 'embedded') progress(`Starting the embedded PostgreSQL in ${config.database.dir}…`);
    database = await openDatabase(config.database);
    const { applied } = await applyMigrations(database.url);
    if (applied.length > 0) progress(`Applied ${applied.length} migration(s)`);
    db = createDb(database.url, config.database.poolMax);
    for (const step of BENCH_SEEDS) {
      progress(`Seeding: ${step.name}`);
      const seedStarted = performance.now();
      await step.seed(db);
      progress(`  done in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    }

    app = await buildApp({ config, db, databaseUrl: database.url });
    db = undefined; // the app owns it now and disconnects it when it closes
    await app.listen({ host: '127.0.0.1', port: 0 });
    const agoraUrl = baseUrlOf(app);

    bare = Fastify({ logger: false });
    bare.get('/', async () => 'Hello, world!');
    await bare.listen({ host: '127.0.0.1', port: 0 });
    progress(`Ágora at ${agoraUrl}, bare Fastify at ${baseUrlOf(bare)}`);

    const context: RouteContext = { baseUrl: agoraUrl, getText: (pathname) => getText(agoraUrl, pathname) };
    const targets: Target[] = [{ name: CEILING_NAME, baseUrl: baseUrlOf(bare), path: '/' }];
    for (const route of BENCH_ROUTES.filter((candidate) => settings.routes.includes(candidate.name))) {
      const pathname = typeof route.path === 'string' ? route.path : await route.path(context);
      await getText(agoraUrl, pathname).catch((error: unknown) => {
        throw new Error(`route ${route.name}: ${error instanceof Error ? error.message : String(error)}`);
      });
      targets.push({ name: route.name, baseUrl: agoraUrl, path: pathname });
    }

    const measurements = await measureAll(targets, settings, controller.signal);
    let scale: { rows: ScaleRow[]; built: Record<string, number | null> } | null = null;
    if (settings.scalePages.length > 0) {
      progress('List pages at two sizes (bench/dataset.ts, bench/scale.ts)');
      scale = await benchAtScale(
        database.url,
        database.dataDir,
        {
          durationSeconds: settings.durationSeconds,
          fixedSeconds: settings.scaleSeconds,
          slices: settings.scaleSlices,
          rate: 20,
          connections: settings.connections,
          pages: settings.scalePages,
        },
        progress,
      );
    }
    progress(`Notifications: an announcement to ${FANOUT_SIZES.join(' and ')} members`);
    const notifications = await benchNotifications(database.url, progress);
    progress('Text guards: personal data, confidentiality markers, 1,000 watched words');
    const policyGuards = benchPolicyGuards();
    const seconds = (performance.now() - started) / 1000;

    process.stdout.write(`\n${renderTable(measurements)}\n`);
    const notes = renderNotes(measurements);
    process.stdout.write(
      [
        '',
        `Fixed rate: p50/p99 corrected for coordinated omission; "!" = rate not held. Ceiling: bare Fastify GET / (closed loop).`,
        `Node ${process.version}, ${cpus} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}, run took ${seconds.toFixed(0)} s.`,
        ...(busy ? [`! ${busy}`] : []),
        ...notes,
        '',
        ...(scale
          ? [
              'List pages at two sizes (small → large; "!" = over the goal: p99 ratio ≤ 1.25, PostgreSQL CPU ratio ≤ 1.5):',
              renderScaleTable(scale.rows),
              `Data sets: ${Object.entries(scale.built)
                .map(([name, seconds]) => `${name} ${seconds === null ? 'kept' : `built in ${seconds.toFixed(0)} s`}`)
                .join(', ')}`,
              '',
            ]
          : []),
        renderNotificationBench(notifications),
        '',
        renderPolicyBench(policyGuards),
        '',
      ].join('\n'),
    );

    const output = path.join(projectRoot, 'bench', 'results', 'latest.json');
    await mkdir(path.dirname(output), { recursive: true });
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus,
      loadAverageBefore: Math.round(loadBefore * 100) / 100,
      cpuModel: os.cpus()[0]?.model ?? null,
      runSeconds: Math.round(seconds),
      settings,
      ceiling: { name: CEILING_NAME, description: 'bare Fastify() instance, GET / returning a short string' },
      measurements,
      notifications,
      policyGuards,
      scale,
    };
    await writeFile(output, `${JSON.stringify(report, null, 2)}\n`);
    progress(`Results written to ${path.relative(process.cwd(), output)}`);

    const failed = measurements.filter(({ result }) => result.errors > 0 || result.non2xx > 0);
    if (failed.length > 0) {
      progress(
        `Failed: ${failed.map((measurement) => `${measurement.route} (${measurement.mode})`).join(', ')} had errors`,
      );
      return 1;
    }
    return 0;
  } finally {
    const attempt = async (what: string, stop: () => Promise<unknown>) => {
      await stop().catch((error: unknown) => progress(`Could not stop ${what}: ${String(error)}`));
    };
    const [bareServer, agora, client, server] = [bare, app, db, database];
    if (bareServer) await attempt('the bare Fastify', () => bareServer.close());
    if (agora) await attempt('Ágora', () => agora.close());
    if (client) await attempt('the database client', () => client.$disconnect());
    if (server) await attempt('the embedded PostgreSQL', () => server.stop());
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof Interrupted) {
      progress('Interrupted; everything is stopped.');
      process.exit(130);
    }
    progress(`Bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
