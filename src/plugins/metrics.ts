import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Db, poolWatchOf } from '../db/client.js';
import type { JobQueue } from '../jobs/job-queue.js';

// `GET /metrics` in Prometheus's text format (prom-client, the maintained client), for IT's monitoring
// (issue 16). Never public: it answers only a request that carries `Authorization: Bearer <METRICS_TOKEN>`,
// and without that setting, or with any other token, it is a 404 like an unknown page.
//
// Per process: requests by route pattern (never the raw path: a bounded number of series), method and
// status, with a latency histogram; the database connection pool (connections open and idle, requests
// waiting for one, how long each connection was held: a statement, or a whole transaction); and Node's
// own (CPU, memory, event loop). Read from PostgreSQL at each
// scrape, so every process reports the same cluster-wide figures: the job queues' depth and failures,
// sign-in failures in the last 15 minutes, accounts locked out now, posts held for review, and whether the
// database answers.

const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

function sameSecret(given: string, expected: string): boolean {
  // Hashes first: equal lengths for timingSafeEqual, whatever was sent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, { db, queue, token }: { db: Db; queue: JobQueue; token: string | null }) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern and method.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

    const jobsQueued = new Gauge({
      name: 'agora_jobs_queued',
      help: 'Jobs waiting in the queue (pg-boss), by queue.',
      labelNames: ['queue'] as const,
      registers: [registry],
    });
    const jobsActive = new Gauge({
      name: 'agora_jobs_active',
      help: 'Jobs being worked, by queue.',
      labelNames: ['queue'] as const,
      registers: [registry],
    });
    const jobsFailed = new Gauge({
      name: 'agora_jobs_failed',
      help: 'Jobs that failed every retry and are still kept (a day), by queue.',
      labelNames: ['queue'] as const,
      registers: [registry],
    });
    const databaseUp = new Gauge({
      name: 'agora_database_up',
      help: '1 when PostgreSQL answered this scrape, 0 otherwise.',
      registers: [registry],
    });
    const pool = poolWatchOf(db);
    if (pool) {
      new Gauge({
        name: 'agora_db_pool_connections',
        help: 'Database connections of this process, by state (open: all of them; idle: free to use).',
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          const counts = pool.counts();
          this.set({ state: 'open' }, counts.total);
          this.set({ state: 'idle' }, counts.idle);
        },
      });
      new Gauge({
        name: 'agora_db_pool_max',
        help: 'The most database connections this process opens (DATABASE_POOL_MAX).',
        registers: [registry],
        collect() {
          this.set(pool.max);
        },
      });
      new Gauge({
        name: 'agora_db_pool_waiting',
        help: 'Requests of this process waiting for a free database connection now.',
        registers: [registry],
        collect() {
          this.set(pool.counts().waiting);
        },
      });
      const held = new Histogram({
        name: 'agora_db_connection_held_seconds',
        help: 'How long a database connection was held: one statement, or a whole transaction.',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      });
      pool.onHeld((seconds) => held.observe(seconds));
    }
    const signInFailures = new Gauge({
      name: 'agora_sign_in_failures_15m',
      help: 'Failed sign-ins (wrong password or unknown address) in the last 15 minutes, all processes.',
      registers: [registry],
    });
    const lockouts = new Gauge({
      name: 'agora_sign_in_lockouts',
      help: 'Sign-in lock-outs in force now (accounts or addresses), all processes.',
      registers: [registry],
    });
    const postsHeld = new Gauge({
      name: 'agora_posts_held',
      help: 'Posts held for review.',
      registers: [registry],
    });

    const reviewPending = new Gauge({
      name: 'agora_review_pending',
      help: 'Entries waiting in the review queues (held posts, reported posts, appeals), by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    });

    async function readCluster(): Promise<void> {
      try {
        const now = new Date();
        const [failures, locked, held, pending] = await Promise.all([
          db.auditEntry.count({
            where: {
              action: 'account.sign_in',
              outcome: 'FAILURE',
              at: { gte: new Date(now.getTime() - SIGN_IN_WINDOW_MS) },
            },
          }),
          db.signInThrottle.count({ where: { lockedUntil: { gt: now } } }),
          db.post.count({ where: { status: 'HELD' } }),
          db.reviewItem.groupBy({ by: ['kind'], where: { resolvedAt: null }, _count: { _all: true } }),
        ]);
        for (const kind of ['HELD_POST', 'REPORTED_POST', 'APPEAL'] as const) {
          reviewPending.set({ kind }, pending.find((row) => row.kind === kind)?._count._all ?? 0);
        }
        signInFailures.set(failures);
        lockouts.set(locked);
        postsHeld.set(held);
        databaseUp.set(1);
      } catch {
        databaseUp.set(0);
        return;
      }
      try {
        for (const [name, counts] of Object.entries(await queue.depth())) {
          jobsQueued.set({ queue: name }, counts.queued);
          jobsActive.set({ queue: name }, counts.active);
          jobsFailed.set({ queue: name }, counts.failed);
        }
      } catch {
        // The queue's own figures are missing from this scrape; the database figures above stand.
      }
    }

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === '/metrics') return;
      const labels = { method: request.method, route: route ?? '(unmatched)' };
      requests.inc({ ...labels, status_code: String(reply.statusCode) });
      duration.observe(labels, reply.elapsedTime / 1000);
    });

    app.get('/metrics', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (token === null || !sameSecret(given, token)) return reply.callNotFound();
      await readCluster();
      return reply
        .header('content-type', registry.contentType)
        .header('cache-control', 'no-store')
        .send(await registry.metrics());
    });
  },
  { name: 'agora-metrics' },
);
