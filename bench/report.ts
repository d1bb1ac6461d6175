import type { LoadResult } from './load.js';

// The table `npm run bench` prints and the JSON it writes to bench/results/latest.json.

export type Mode = 'fixed-rate' | 'closed-loop';

export interface Measurement {
  /** Route name; CEILING_NAME for the bare Fastify route. */
  readonly route: string;
  readonly path: string;
  readonly mode: Mode;
  /** Fixed rate: the requests per second asked for. */
  readonly targetRate?: number;
  readonly result: LoadResult;
  /** Closed loop: req/s over the ceiling's closed-loop req/s. */
  readonly ratioToCeiling?: number;
  /** Ágora's CPU time (user + system, this process: not PostgreSQL's) per answer, in ms. */
  readonly cpuMsPerRequest?: number;
}

export const CEILING_NAME = 'bare-fastify';

/** A fixed-rate run that got less than this share of its target did not hold the rate. */
export const RATE_HELD_SHARE = 0.95;

export function rateHeld(measurement: Measurement): boolean {
  const { targetRate, result } = measurement;
  return targetRate === undefined || result.requestsPerSecond >= targetRate * RATE_HELD_SHARE;
}

/** Fixed rate: latencies corrected for coordinated omission; closed loop: as measured. */
export function reportedLatency(measurement: Measurement) {
  return measurement.result.correctedLatencyMs ?? measurement.result.latencyMs;
}

function modeLabel(measurement: Measurement): string {
  const { mode, targetRate, result } = measurement;
  return mode === 'fixed-rate' ? `rate ${targetRate}/s ${result.connections}c` : `closed ${result.connections}c`;
}

const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);

export function renderTable(measurements: readonly Measurement[]): string {
  const header = ['route', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'errors', 'non-2xx', 'vs ceiling'];
  const rows = measurements.map((measurement) => {
    const { result, ratioToCeiling } = measurement;
    const latency = reportedLatency(measurement);
    return [
      measurement.route,
      modeLabel(measurement),
      `${Math.round(result.requestsPerSecond)}${rateHeld(measurement) ? '' : ' !'}`,
      ms(latency.p50),
      ms(latency.p99),
      measurement.cpuMsPerRequest === undefined ? '—' : ms(measurement.cpuMsPerRequest),
      String(result.errors),
      String(result.non2xx),
      ratioToCeiling === undefined ? '—' : `${(ratioToCeiling * 100).toFixed(1)} %`,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Lines explaining anything in the table that needs it. */
export function renderNotes(measurements: readonly Measurement[]): string[] {
  const notes: string[] = [];
  for (const measurement of measurements) {
    const { route, result, targetRate } = measurement;
    if (!rateHeld(measurement)) {
      notes.push(
        `! ${route} did not hold ${targetRate} req/s (got ${result.requestsPerSecond.toFixed(0)}): requests the server was too slow to take were never sent, so even corrected latencies understate.`,
      );
    }
    if (result.errors > 0 || result.non2xx > 0) {
      const codes = Object.entries(result.statusCodes)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, count]) => `${count}× ${code}`);
      notes.push(
        `✗ ${route} (${measurement.mode}): ${result.errors} error(s), ${result.timeouts} timeout(s)${codes.length > 0 ? `, ${codes.join(', ')}` : ''}`,
      );
    }
  }
  return notes;
}
