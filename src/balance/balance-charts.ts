import { createHash } from 'node:crypto';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

// The balance's charts, drawn on the server as SVG by Vega-Lite (compiled to Vega, rendered with no
// canvas: SVG needs none). Pages show each beside a data table, which is the accessible version: the
// SVG is hidden from screen readers (aria-hidden) and nothing needs JavaScript.
//
// Rendering a chart costs 30–80 ms of CPU, more than the page budget; the figures change at most when
// the roll-up runs, so an SVG is kept by the hash of its specification (data and labels included) in a
// small in-process cache: the same figures in the same language are drawn once.

/** A chart's data: one row per week and series. */
export interface ChartPoint {
  readonly week: string;
  readonly series: string;
  readonly value: number | null;
}

export interface ChartOptions {
  readonly kind: 'stacked-bars' | 'grouped-bars' | 'lines';
  readonly points: readonly ChartPoint[];
  /** Series in the order of the legend, with their colours. */
  readonly series: ReadonlyArray<{ readonly label: string; readonly color: string }>;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Values are shares 0..1, shown as percentages. */
  readonly percent?: boolean;
}

const CACHE_SIZE = 200;
const cache = new Map<string, string>();

function specOf(options: ChartOptions): TopLevelSpec {
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: options.yTitle,
    ...(options.percent ? { axis: { format: '.0%' }, scale: { domain: [0, 1] } } : {}),
    ...(options.kind === 'stacked-bars' ? { stack: 'zero' as const } : { stack: null }),
  };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    sort: options.series.map((s) => s.label),
    scale: { domain: options.series.map((s) => s.label), range: options.series.map((s) => s.color) },
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const },
  };
  const x = {
    field: 'week',
    type: 'ordinal' as const,
    title: options.xTitle,
    axis: { labelAngle: -45, labelOverlap: true },
  };
  return {
    width: 560,
    height: 220,
    background: 'white',
    data: { values: options.points.filter((p) => p.value !== null).map((p) => ({ ...p })) },
    mark: options.kind === 'lines' ? { type: 'line', point: true } : { type: 'bar' },
    encoding: {
      x,
      y,
      color,
      ...(options.kind === 'grouped-bars' ? { xOffset: { field: 'series', sort: color.sort } } : {}),
    },
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 12 } },
  } as TopLevelSpec;
}

/** The chart as an SVG document (a string starting with `<svg`), drawn once per distinct chart. */
export async function renderChart(options: ChartOptions): Promise<string> {
  const spec = specOf(options);
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('base64url');
  const cached = cache.get(key);
  if (cached !== undefined) {
    cache.delete(key); // most recently used last
    cache.set(key, cached);
    return cached;
  }
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    cache.set(key, svg);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return svg;
  } finally {
    view.finalize();
  }
}
