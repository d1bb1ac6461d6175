import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './load.js';
import { correctForCoordinatedOmission, percentiles } from './stats.js';

// Child process of load.ts: runs one load job (argv[2], JSON) with autocannon and
// sends back a LoadResult.

interface Run {
  readonly instance: autocannon.Instance;
  readonly result: Promise<autocannon.Result>;
}

interface Responses {
  /** Whether answers count yet. */
  measuring: boolean;
  /** Answers counted, whatever their status. */
  count: number;
  /** Response times of the 2xx answers counted, ms. */
  readonly latencies: number[];
  /** performance.now() of the first and last answers counted. */
  first: number;
  last: number;
}

const newResponses = (measuring: boolean): Responses => ({ measuring, count: 0, latencies: [], first: 0, last: 0 });

function start(options: autocannon.Options, responses: Responses): Run {
  const instance = autocannon(options);
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (!responses.measuring) return;
    const now = performance.now();
    responses.count++;
    if (responses.first === 0) responses.first = now;
    responses.last = now;
    if (statusCode >= 200 && statusCode < 300) responses.latencies.push(ms);
  });
  return { instance, result: Promise.resolve(instance) };
}

function sum(results: readonly autocannon.Result[], pick: (result: autocannon.Result) => number): number {
  return results.reduce((total, result) => total + pick(result), 0);
}

function statusCodes(results: readonly autocannon.Result[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) counts[code] = (counts[code] ?? 0) + count;
  }
  return counts;
}

/** As many connections as asked, as fast as each gets its answers, for the duration. */
async function closedLoop(job: LoadJob): Promise<LoadResult> {
  const responses = newResponses(true);
  const run = start(
    {
      url: job.url,
      connections: job.connections,
      duration: job.durationSeconds,
      timeout: job.timeoutSeconds,
      ...(job.headers ? { headers: job.headers } : {}),
    },
    responses,
  );
  const result = await run.result;
  return {
    connections: job.connections,
    durationSeconds: result.duration,
    completed: result.requests.total,
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : 0,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: statusCodes([result]),
    latencyMs: percentiles(responses.latencies),
  };
}

/**
 * `rate` requests a second, spread over the second. autocannon's overallRate
 * gives each connection a budget of rate / connections requests per second,
 * which it sends back to back from the start of each second, all connections
 * together: bursts of `connections` concurrent requests that queue on the server
 * as in a closed loop. So this runs one single-connection autocannon instance per
 * connection, each with its share as overallRate, started 1000 / connections ms
 * apart: with 200 req/s over 20 connections, 10 requests in a row every 50 ms.
 * (Not one connection per request a second: an instance costs ~10 ms of this
 * process's time to create, and hundreds of them swamp it.) Each instance stops
 * after (duration + 1) × its share answers (amount), or at the deadline if the
 * server cannot keep up; answers count from the moment the last instance has
 * started (within the first second), so for about `duration` seconds.
 */
async function fixedRate(job: LoadJob, rate: number): Promise<LoadResult> {
  const connections = Math.min(job.connections, rate);
  // Creating an autocannon instance blocks this process for several ms, which would
  // delay the answers of the instances already running: count none until all run.
  const responses = newResponses(false);
  const runs: Run[] = [];
  const timers: NodeJS.Timeout[] = [];
  const started = Array.from(
    { length: connections },
    (_, index) =>
      new Promise<Run>((resolve) => {
        timers.push(
          setTimeout(
            () => {
              const share = Math.floor(rate / connections) + (index < rate % connections ? 1 : 0);
              const run = start(
                {
                  url: job.url,
                  ...(job.headers ? { headers: job.headers } : {}),
                  connections: 1,
                  overallRate: share,
                  amount: share * (job.durationSeconds + 1),
                  timeout: job.timeoutSeconds,
                  // See correctForCoordinatedOmission: autocannon's own correction uses a 1 ms interval.
                  ignoreCoordinatedOmission: true,
                },
                responses,
              );
              runs.push(run);
              if (runs.length === connections) responses.measuring = true;
              resolve(run);
            },
            (index * 1000) / connections,
          ),
        );
      }),
  );
  // The last instance starts about 1 s in and needs `duration` + 1 s; allow 3 s more, then stop what is left.
  const deadline = setTimeout(
    () => {
      for (const run of runs) run.instance.stop();
    },
    (job.durationSeconds + 5) * 1000,
  );
  try {
    const results = await Promise.all(started.map((run) => run.then(({ result }) => result)));
    // Answers arrive one every 1000 / rate ms when the rate holds: count the spans between them plus one.
    const corrected = correctForCoordinatedOmission(responses.latencies, (1000 * connections) / rate);
    const span = responses.last > responses.first ? (responses.last - responses.first) / 1000 + 1 / rate : 0;
    return {
      connections,
      durationSeconds: Math.round(span * 1000) / 1000,
      completed: responses.count,
      requestsPerSecond: span > 0 ? responses.count / span : 0,
      errors: sum(results, (result) => result.errors),
      timeouts: sum(results, (result) => result.timeouts),
      non2xx: sum(results, (result) => result.non2xx),
      statusCodes: statusCodes(results),
      latencyMs: percentiles(responses.latencies),
      correctedLatencyMs: percentiles(corrected),
      correctedSamplesMs: corrected,
    };
  } finally {
    clearTimeout(deadline);
    for (const timer of timers) clearTimeout(timer);
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
(job.rate ? fixedRate(job, job.rate) : closedLoop(job)).then(
  (result) => process.send?.(result, () => process.disconnect()),
  (error: unknown) => {
    process.stderr.write(`autocannon failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
