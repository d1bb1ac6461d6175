import { fromPrisma, PgBoss } from 'pg-boss';
import type { Prisma } from '../generated/prisma/client.js';

// Jobs on PostgreSQL with pg-boss: retries, schedules, singleton keys, no second store to run.
//
// Decision: pg-boss rather than our own table of jobs. It is maintained, PostgreSQL-only, claims jobs with
// SKIP LOCKED (any number of workers, in the web process or in `npm run worker`), retries with back-off,
// runs cron schedules once per cluster, and can enqueue inside our own Prisma transaction (fromPrisma), so
// a post and the job that tells people about it commit together or not at all. Every handler is
// idempotent: a retried job finds its own earlier work through a unique key (docs/decisions/010).

/** pg-boss keeps its tables in a schema of its own, beside Prisma's `public`. */
export const JOB_SCHEMA = 'pgboss';

export type JobData = Record<string, string | number | boolean | null>;

export interface JobContext {
  /** The job's id, and how many times it was tried before (0 the first time). */
  readonly id: string;
  readonly retryCount: number;
}

export type JobHandler = (data: JobData, context: JobContext) => Promise<void>;

export interface QueueDefinition {
  readonly name: string;
  readonly handler: JobHandler;
  /** Tries after the first; a job that still fails is kept as failed (visible to IT) and logged. */
  readonly retryLimit?: number;
  /** Seconds before the first retry; doubles each time. */
  readonly retryDelaySeconds?: number;
  /** How many jobs one process runs at once. */
  readonly concurrency?: number;
  /** A cron expression (UTC) on which pg-boss enqueues this job, once per cluster. */
  readonly cron?: string;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists exactly when the transaction commits. */
  readonly tx?: Prisma.TransactionClient;
  /** At most one queued job with this key at a time (pg-boss singletonKey). */
  readonly singletonKey?: string;
  /** Not before this many seconds from now. */
  readonly startAfterSeconds?: number;
}

export interface JobQueueLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobQueue {
  /** Enqueues one job; resolves once it is stored (or, with `tx`, once written in that transaction). */
  send(name: string, data: JobData, options?: SendOptions): Promise<void>;
  /** Enqueues many jobs of one queue in one statement. */
  sendMany(name: string, jobs: ReadonlyArray<{ data: JobData; singletonKey?: string }>): Promise<void>;
  /** Installs or upgrades pg-boss's schema, creates the queues and schedules, and starts the workers if asked. */
  start(): Promise<void>;
  /** Stops polling and waits (up to `timeoutMs`) for running jobs to finish. */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * Runs every job that is ready now, and the jobs they enqueue, until none is left: for tests, the
   * benchmark and commands. The jobs are claimed from PostgreSQL like a worker claims them.
   */
  drain(): Promise<number>;
  /** Jobs waiting (queued), running (active) and failed (kept a while), per queue: for metrics. */
  depth(): Promise<Record<string, { queued: number; active: number; failed: number }>>;
}

export interface JobQueueOptions {
  readonly databaseUrl: string;
  readonly queues: readonly QueueDefinition[];
  /** Whether this process works the queues (false: it only enqueues; `npm run worker` works them). */
  readonly workers: boolean;
  /** Whether this process keeps the cron schedules and pg-boss's maintenance (one per cluster is enough). */
  readonly maintenance: boolean;
  readonly log: JobQueueLog;
  readonly poolMax?: number;
}

/** pg-boss for Ágora's queues; see JobQueue. */
export function createJobQueue(options: JobQueueOptions): JobQueue {
  const { queues, log } = options;
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: JOB_SCHEMA,
    max: options.poolMax ?? 4,
    supervise: options.maintenance,
    schedule: options.maintenance,
    migrate: true,
  });
  boss.on('error', (error: unknown) => log.error({ err: error }, 'job queue error'));
  // In-flight handlers of this process, so drain() does not return while a worker holds a job.
  const running = new Set<Promise<unknown>>();
  // Started once, on first need; a start that failed (database down) is tried again by the next call.
  let starting: Promise<void> | null = null;

  function definition(name: string): QueueDefinition {
    const queue = byName.get(name);
    if (!queue) throw new Error(`Unknown job queue: ${name}`);
    return queue;
  }

  async function run(queue: QueueDefinition, job: { id: string; data: unknown; retryCount: number }) {
    const work = queue.handler((job.data ?? {}) as JobData, { id: job.id, retryCount: job.retryCount });
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
  }

  async function begin(): Promise<void> {
    await boss.start();
    const existing = new Set((await boss.getQueues()).map((queue) => queue.name));
    for (const queue of queues) {
      const settings = {
        retryLimit: queue.retryLimit ?? 5,
        retryDelay: queue.retryDelaySeconds ?? 30,
        retryBackoff: true,
        // A finished job is kept a day for IT to look at, then removed by pg-boss's maintenance.
        deleteAfterSeconds: 24 * 60 * 60,
      };
      if (existing.has(queue.name)) await boss.updateQueue(queue.name, settings);
      else await boss.createQueue(queue.name, settings);
      if (options.maintenance && queue.cron) await boss.schedule(queue.name, queue.cron, {}, { tz: 'UTC' });
    }
    if (!options.workers) return;
    for (const queue of queues) {
      await boss.work(
        queue.name,
        { batchSize: 1, localConcurrency: queue.concurrency ?? 2, pollingIntervalSeconds: 2 },
        async ([job]) => {
          if (job) await run(queue, job);
        },
      );
    }
  }

  function ready(): Promise<void> {
    starting ??= begin().catch((error: unknown) => {
      starting = null;
      throw error;
    });
    return starting;
  }

  return {
    async send(name, data, sendOptions = {}) {
      definition(name);
      await ready();
      await boss.send(name, data, {
        ...(sendOptions.tx ? { db: fromPrisma(sendOptions.tx) } : {}),
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
      });
    },

    async sendMany(name, jobs) {
      definition(name);
      if (jobs.length === 0) return;
      await ready();
      for (let at = 0; at < jobs.length; at += 1_000) {
        await boss.insert(
          name,
          jobs.slice(at, at + 1_000).map((job) => ({
            data: job.data,
            ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
          })),
        );
      }
    },

    start: ready,

    async stop(timeoutMs = 10_000) {
      const wasStarting = starting;
      starting = null;
      if (!wasStarting) return;
      const started = await wasStarting.then(
        () => true,
        () => false,
      );
      if (started) await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    },

    async drain() {
      await ready();
      let ran = 0;
      for (;;) {
        let fetched = 0;
        for (const queue of queues) {
          const jobs = await boss.fetch(queue.name, { batchSize: 50 });
          fetched += jobs.length;
          // As many at once as a worker of this process would run.
          const width = queue.concurrency ?? 2;
          for (let at = 0; at < jobs.length; at += width) {
            await Promise.all(
              jobs.slice(at, at + width).map(async (job) => {
                try {
                  await run(queue, job);
                  await boss.complete(queue.name, job.id);
                } catch (error) {
                  log.error({ err: error, queue: queue.name, job: job.id }, 'a job failed; it will be retried');
                  await boss.fail(queue.name, job.id, {
                    message: error instanceof Error ? error.message : String(error),
                  });
                }
              }),
            );
          }
        }
        ran += fetched;
        if (fetched === 0 && running.size === 0) return ran;
        if (fetched === 0) await Promise.allSettled([...running]);
      }
    },

    async depth() {
      await ready();
      const result: Record<string, { queued: number; active: number; failed: number }> = {};
      for (const queue of await boss.getQueues(queues.map((queue) => queue.name))) {
        result[queue.name] = {
          queued: queue.queuedCount ?? 0,
          active: queue.activeCount ?? 0,
          failed: queue.failedCount ?? 0,
        };
      }
      return result;
    },
  };
}

/**
 * Installs pg-boss's schema, or upgrades it to this version's: part of `npm run db:migrate`, so a web
 * process or a worker starting later finds it ready. pg-boss serialises its own migrations with an
 * advisory lock.
 */
export async function installJobSchema(databaseUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOB_SCHEMA,
    max: 1,
    supervise: false,
    schedule: false,
    migrate: true,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}
