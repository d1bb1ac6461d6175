import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths.js';

// deploy/'s Grafana dashboard and Prometheus alert rules parse, and name only metrics that GET /metrics
// exposes: the names registered in src/plugins/metrics.ts, and prom-client's default metrics.

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');

function exposedMetrics(): Set<string> {
  const source = read('src/plugins/metrics.ts');
  const ours = [...source.matchAll(/\bname: '([a-z_:][a-z0-9_:]*)'/g)].map((match) => match[1] ?? '');
  const histograms = [...source.matchAll(/new Histogram\(\{\s*name: '([a-z0-9_]+)'/g)].map((match) => match[1] ?? '');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const defaults = registry.getMetricsAsArray().map((metric) => metric.name);
  const names = new Set([...ours, ...defaults]);
  for (const histogram of histograms)
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${histogram}${suffix}`);
  // prom-client's default histograms too.
  for (const metric of registry.getMetricsAsArray()) {
    if (String((metric as unknown as { type?: unknown }).type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

/** The metric names a PromQL expression reads (our prefixes and prom-client's). */
function metricsIn(expression: string): string[] {
  return [...expression.matchAll(/\b(?:agora|http|process|nodejs)_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

describe('deploy/prometheus/agora-alerts.yml', () => {
  const rules = (
    parse(read('deploy/prometheus/agora-alerts.yml')) as { groups: { rules: AlertRule[] }[] }
  ).groups.flatMap((group) => group.rules);

  it('has the alerts IT needs, each with an expression, a severity and a summary', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'AgoraDatabaseDown',
        'AgoraHighErrorRate',
        'AgoraJobQueueBacklog',
        'AgoraJobsFailing',
        'AgoraSignInFailureSpike',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toBeTruthy();
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  it('reads only metrics that /metrics exposes', () => {
    const exposed = exposedMetrics();
    const read = rules.flatMap((rule) => metricsIn(rule.expr));
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe('deploy/grafana/agora-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/agora-dashboard.json')) as {
    title: string;
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('is a dashboard whose every panel has a query', () => {
    expect(dashboard.title).toBe('Ágora');
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });

  it('reads only metrics that /metrics exposes, and every metric of Ágora’s own', () => {
    const exposed = exposedMetrics();
    const read = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr)));
    expect(read.filter((name) => !exposed.has(name))).toEqual([]);
    const ours = [...exposed].filter((name) => name.startsWith('agora_'));
    // A histogram is read through its series (_bucket, _sum, _count): its bare name never appears in a query.
    expect(ours.filter((name) => !read.some((used) => used === name || used.startsWith(`${name}_`)))).toEqual([]);
  });
});
