// Latency percentiles from the raw response times autocannon reports per request.
// (autocannon's own histogram rounds to whole milliseconds, too coarse for a
// sub-millisecond route, and see correctForCoordinatedOmission for its correction.)

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** How many values the percentiles are over. */
  readonly count: number;
}

/** Nearest-rank percentile of values sorted ascending; 0 for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    count: sorted.length,
  };
}

/**
 * HdrHistogram's correction for coordinated omission: a connection meant to
 * send a request every `intervalMs` that waited L ms for an answer did not send
 * the requests due meanwhile, whose latencies would have been L − interval,
 * L − 2·interval, … ≥ interval; add them. autocannon does this itself unless
 * told not to, but with an interval of Math.ceil(1 / rate) = 1 ms whatever the
 * rate, which adds a sample per millisecond of every response and reports a p50
 * below the fastest response; so the bench turns it off and corrects here.
 */
export function correctForCoordinatedOmission(latencies: ArrayLike<number>, intervalMs: number): number[] {
  const corrected: number[] = [];
  for (let index = 0; index < latencies.length; index++) {
    const latency = latencies[index] ?? 0;
    corrected.push(latency);
    if (intervalMs <= 0) continue;
    for (let missing = latency - intervalMs; missing >= intervalMs; missing -= intervalMs) corrected.push(missing);
  }
  return corrected;
}
