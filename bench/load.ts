import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Percentiles } from './stats.js';

// Runs autocannon in a child process, so the load generator and the server under
// test do not share an event loop (and one does not slow the other's timers).

export interface LoadJob {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second over all connections (autocannon's overallRate); unset for closed loop. */
  readonly rate?: number;
  /** Seconds before a request counts as a timeout (an error). */
  readonly timeoutSeconds: number;
  /** Sent with every request (a session cookie, for pages seen signed in). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Connections really used (fixed rate: never more than the rate). */
  readonly connections: number;
  /** Seconds measured (fixed rate: from the first to the last answer counted, plus one interval). */
  readonly durationSeconds: number;
  /** Answers received, whatever their status. */
  readonly completed: number;
  /** completed / durationSeconds. */
  readonly requestsPerSecond: number;
  // errors, timeouts, non2xx and statusCodes cover the whole run, a fixed-rate run's first second included.
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Response times of the 2xx answers, as measured. */
  readonly latencyMs: Percentiles;
  /** Fixed rate only: the same, corrected for coordinated omission (see stats.ts). */
  readonly correctedLatencyMs?: Percentiles;
  /** Fixed rate only: every corrected response time, for pooling several runs' samples (bench/scale.ts). */
  readonly correctedSamplesMs?: readonly number[];
}

/** The run was stopped by its AbortSignal (Ctrl-C). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

const GENERATOR = fileURLToPath(new URL('./load-generator.js', import.meta.url));

/** Runs one load job; bounded by its duration plus a margin, and by `signal`. */
export function runLoad(job: LoadJob, signal?: AbortSignal): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Interrupted());
      return;
    }
    const child = fork(GENERATOR, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    let failure: Error | undefined;
    const limitMs = (job.durationSeconds + job.timeoutSeconds + 20) * 1000;
    const stop = (error: Error) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new Error(`the load generator ran past ${limitMs / 1000} s`)), limitMs);
    const onAbort = () => stop(new Interrupted());
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (message) => {
      result = message as LoadResult;
    });
    child.on('error', (error) => {
      failure ??= error;
    });
    child.on('exit', (code, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else if (result) resolve(result);
      else reject(new Error(`the load generator exited with ${exitSignal ?? `code ${code}`} and no result`));
    });
  });
}
