import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFound } from '../errors.js';
import { translateErrors } from '../forms.js';
import type { MessageKey, Translate } from '../i18n/i18n.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { POST_TAGS } from '../policy/tags.js';
import type { BalanceService, BalanceTarget } from './balance.service.js';
import { type ChartOptions, renderChart } from './balance-charts.js';
import { type BalanceWeek, periodTotals, type RuleCount, toCsv } from './balance-figures.js';
import { type ResolvedPeriod, resolvePeriod } from './balance-period.js';

// The balance pages (issue 13, item 3): a community's (/c/:slug/balance), an organization's
// (/o/:slug/balance) and the site's (/admin/balance); each chart as a CSV beside it (…/balance.csv?chart=).
// Every answer to someone who may not see a balance is the 404 of an unknown page.

export const CHARTS = ['mix', 'crossing', 'questions', 'people', 'rules'] as const;
type Chart = (typeof CHARTS)[number];
const DRAWN_CHARTS = ['mix', 'crossing', 'questions', 'people'] as const;
type DrawnChart = (typeof DRAWN_CHARTS)[number];

const slugParams = z.object({ slug: z.string().min(1).max(60) });
const chartQuery = z.object({ chart: z.enum(CHARTS) });
const drawnChartQuery = z.object({ chart: z.enum(DRAWN_CHARTS) });
const publicForm = z.object({ publicBalance: z.enum(['on', 'off']) });

const TAG_COLORS = { PERSONAL: '#8c4a00', PROFESSIONAL: '#005a9c', ORGANIZATIONAL: '#2e7d32' } as const;

function slugOf(request: FastifyRequest): string {
  const parsed = slugParams.safeParse(request.params);
  if (!parsed.success) throw new NotFound('Not found');
  return parsed.data.slug;
}

/** Each chart's columns: a stable name for the CSV, a catalog key for the page, the value of a week. */
function columnsOf(chart: DrawnChart) {
  const column = (name: string, label: MessageKey, value: (w: BalanceWeek) => number | null, kind = 'count') => ({
    name,
    label,
    value,
    kind,
  });
  switch (chart) {
    case 'mix':
      return [
        column('personal_posts', 'policy.tag.PERSONAL', (w) => w.personalPosts),
        column('professional_posts', 'policy.tag.PROFESSIONAL', (w) => w.professionalPosts),
        column('organizational_posts', 'policy.tag.ORGANIZATIONAL', (w) => w.organizationalPosts),
      ];
    case 'crossing':
      return [
        column('replies', 'balance.column.replies', (w) => w.replies),
        column('crossing_replies', 'balance.column.crossingReplies', (w) => w.crossingReplies),
        column('crossing_share', 'balance.column.crossingShare', (w) => w.crossingShare, 'share'),
      ];
    case 'questions':
      return [
        column('questions', 'balance.column.questions', (w) => w.questions),
        column('answered', 'balance.column.answered', (w) => w.answeredQuestions),
        column('accepted', 'balance.column.accepted', (w) => w.acceptedQuestions),
        column(
          'median_first_answer_seconds',
          'balance.column.medianWait',
          (w) => w.medianFirstAnswerSeconds,
          'seconds',
        ),
      ];
    case 'people':
      return [
        column('active_people', 'balance.column.activePeople', (w) => w.activePeople),
        column('organizations', 'balance.column.organizations', (w) => w.organizations),
      ];
  }
}

/** What each chart draws: which columns, as what kind of chart. */
const CHART_SHAPES: Record<DrawnChart, { kind: ChartOptions['kind']; drawn: string[]; percent?: boolean }> = {
  mix: { kind: 'stacked-bars', drawn: ['personal_posts', 'professional_posts', 'organizational_posts'] },
  crossing: { kind: 'lines', drawn: ['crossing_share'], percent: true },
  questions: { kind: 'grouped-bars', drawn: ['questions', 'answered', 'accepted'] },
  people: { kind: 'lines', drawn: ['active_people', 'organizations'] },
};

const SERIES_COLORS = ['#005a9c', '#8c4a00', '#2e7d32'];

const formattersByLocale = new Map<string, (value: number | null, kind: string) => string>();

/** How a table shows a value of a kind (count, share, seconds as hours), in the reader's language; built once per language. */
function formatters(locale: string) {
  const known = formattersByLocale.get(locale);
  if (known) return known;
  const built = buildFormatters(locale);
  formattersByLocale.set(locale, built);
  return built;
}

function buildFormatters(locale: string) {
  const number = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const hours = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const format = (value: number, kind: string) => {
    if (kind === 'share') return percent.format(value);
    if (kind === 'seconds') return hours.format(value / 3600);
    return number.format(value);
  };
  // Intl's format is the page's main cost over five years of weeks; the same few values come back often.
  const known = new Map<string, string>();
  return (value: number | null, kind: string) => {
    if (value === null) return '—';
    const key = `${kind}:${value}`;
    let text = known.get(key);
    if (text === undefined) {
      text = format(value, kind);
      if (known.size < 10_000) known.set(key, text);
    }
    return text;
  };
}

/** What a chart draws, for renderChart: its series and their colours, one point per week and series. */
function chartOptionsOf(chart: DrawnChart, t: Translate, weeks: readonly BalanceWeek[]): ChartOptions {
  const shape = CHART_SHAPES[chart];
  const drawn = columnsOf(chart).filter((c) => shape.drawn.includes(c.name));
  return {
    kind: shape.kind,
    percent: shape.percent ?? false,
    xTitle: t('balance.column.week'),
    yTitle: t(`balance.chart.${chart}.axis` as MessageKey),
    series: drawn.map((c, index) => ({
      label: t(c.label),
      color:
        chart === 'mix'
          ? TAG_COLORS[POST_TAGS[index] ?? 'PERSONAL']
          : (SERIES_COLORS[index] ?? SERIES_COLORS[0] ?? '#000'),
    })),
    points: weeks.flatMap((w) => drawn.map((c) => ({ week: w.week, series: t(c.label), value: c.value(w) }))),
  };
}

/**
 * The page's blocks: per chart its title, the URL of its SVG (an image of its own, so that the page
 * stays small and the browser keeps the drawing), its table and its CSV.
 */
function chartBlocks(t: Translate, locale: string, weeks: readonly BalanceWeek[], path: string, query: string) {
  const format = formatters(locale);
  return DRAWN_CHARTS.map((chart) => {
    const columns = columnsOf(chart);
    return {
      id: chart,
      title: t(`balance.chart.${chart}.title` as MessageKey),
      description: t(`balance.chart.${chart}.description` as MessageKey),
      src: `${path}.svg?${query}&chart=${chart}`,
      csvHref: `${path}.csv?${query}&chart=${chart}`,
      columns: columns.map((c) => t(c.label)),
      rows: weeks.map((w) => ({ week: w.week, cells: columns.map((c) => format(c.value(w), c.kind)) })),
    };
  });
}

function csvOf(chart: Chart, weeks: readonly BalanceWeek[], rules: readonly RuleCount[]): string {
  if (chart === 'rules') {
    return toCsv(
      ['rule', 'outcome', 'decisions'],
      rules.map((r) => [r.ruleCode, r.outcome, r.decisions]),
    );
  }
  const columns = columnsOf(chart);
  return toCsv(
    ['week', ...columns.map((c) => c.name)],
    weeks.map((w) => [w.week, ...columns.map((c) => c.value(w))]),
  );
}

export async function balanceRoutes(
  app: FastifyInstance,
  { balance, timeZone }: { balance: BalanceService; timeZone: string },
) {
  /** The page path and the title of a target. */
  function placeOf(request: FastifyRequest, target: BalanceTarget) {
    if (target.scope === 'COMMUNITY')
      return {
        path: `/c/${encodeURIComponent(target.slug ?? '')}/balance`,
        title: request.t('balance.title.community', { name: target.name ?? '' }),
      };
    if (target.scope === 'ORGANIZATION')
      return {
        path: `/o/${encodeURIComponent(target.slug ?? '')}/balance`,
        title: request.t('balance.title.organization', { name: target.name ?? '' }),
      };
    return { path: '/admin/balance', title: request.t('balance.title.site') };
  }

  async function renderBalance(
    request: FastifyRequest,
    reply: FastifyReply,
    target: BalanceTarget,
    extra: { status?: number; formError?: MessageKey } = {},
  ) {
    const { path, title } = placeOf(request, target);
    const resolved = resolvePeriod(request.query, timeZone, new Date());
    const tagOptions = POST_TAGS.map((tag) => ({ value: tag, label: request.t(`policy.tag.${tag}`) }));
    const base = {
      title,
      target,
      action: path,
      tagOptions,
      scopeNav: target.scope === 'SITE',
      formError: extra.formError ? request.t(extra.formError) : null,
    };
    if (!resolved.ok) {
      // The typed tag stays selectable so that what was typed is kept.
      const typedTag = resolved.values.tag ?? '';
      const options =
        typedTag && !POST_TAGS.some((tag) => tag === typedTag)
          ? [...tagOptions, { value: typedTag, label: typedTag }]
          : tagOptions;
      return reply.code(422).view('balance/show.eta', {
        ...base,
        tagOptions: options,
        values: resolved.values,
        errors: translateErrors(request.t, resolved.errors),
        charts: [],
        rules: [],
        totals: null,
        period: null,
      });
    }
    const { period } = resolved;
    const figures = await balance.readFigures(target, period);
    const query = new URLSearchParams({ from: period.fromDay, to: period.toDay });
    if (period.tag) query.set('tag', period.tag);
    return reply.code(extra.status ?? 200).view('balance/show.eta', {
      ...base,
      values: resolved.values,
      errors: {},
      period,
      totals: periodTotals(figures.weeks),
      charts: chartBlocks(request.t, request.locale, figures.weeks, path, query.toString()),
      rules: figures.rules,
      rulesCsv: `${path}.csv?${query.toString()}&chart=rules`,
    });
  }

  async function sendCsv(request: FastifyRequest, reply: FastifyReply, target: BalanceTarget, name: string) {
    const chart = chartQuery.safeParse(request.query);
    const resolved = resolvePeriod(request.query, timeZone, new Date());
    // A CSV has no form to show a message beside: a bad filter is a plain 400 naming the field.
    if (!chart.success || !resolved.ok) {
      const fields = [...(chart.success ? [] : ['chart']), ...(resolved.ok ? [] : Object.keys(resolved.errors))];
      return reply
        .code(400)
        .type('text/plain; charset=utf-8')
        .send(request.t('balance.csv.bad', { fields: fields.join(', ') }));
    }
    if (chart.data.chart === 'rules' && target.view !== 'full') throw new NotFound('Not found');
    const period: ResolvedPeriod = resolved.period;
    const figures = await balance.readFigures(target, period);
    const file = `balance-${name}-${chart.data.chart}-${period.fromDay}-${period.toDay}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(csvOf(chart.data.chart, figures.weeks, figures.rules));
  }

  /** A chart as an SVG image; a bad filter is a 400 (the page beside it shows the message). */
  async function sendSvg(request: FastifyRequest, reply: FastifyReply, target: BalanceTarget) {
    const chart = drawnChartQuery.safeParse(request.query);
    const resolved = resolvePeriod(request.query, timeZone, new Date());
    if (!chart.success || !resolved.ok) return reply.code(400).type('text/plain; charset=utf-8').send('Bad filter');
    const figures = await balance.readFigures(target, resolved.period);
    const svg = await renderChart(chartOptionsOf(chart.data.chart, request.t, figures.weeks));
    // Private: a balance may be for its moderators only. A few minutes: the roll-up runs every five.
    return reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'private, max-age=300').send(svg);
  }

  app.get('/c/:slug/balance.svg', async (request, reply) =>
    sendSvg(request, reply, await balance.openCommunity(slugOf(request), request.viewer, null)),
  );
  app.get('/o/:slug/balance.svg', async (request, reply) =>
    sendSvg(request, reply, await balance.openOrganization(slugOf(request), request.viewer)),
  );
  app.get('/admin/balance.svg', async (request, reply) => sendSvg(request, reply, balance.openSite(request.viewer)));

  app.get('/account/balances', { preHandler: requireViewer }, async (request, reply) =>
    reply.view('balance/mine.eta', {
      title: request.t('balance.mine.title'),
      ...(await balance.listOwnBalances(viewerOf(request))),
    }),
  );

  app.get('/c/:slug/balance', async (request, reply) =>
    renderBalance(request, reply, await balance.openCommunity(slugOf(request), request.viewer, request.auditContext)),
  );
  app.get('/c/:slug/balance.csv', async (request, reply) => {
    const target = await balance.openCommunity(slugOf(request), request.viewer, request.auditContext);
    return sendCsv(request, reply, target, target.slug ?? 'community');
  });
  app.post(
    '/c/:slug/balance/public',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      const target = await balance.openCommunity(slugOf(request), viewerOf(request), request.auditContext);
      const form = publicForm.safeParse(request.body ?? {});
      if (!form.success || !target.canChangePublic) {
        return renderBalance(request, reply, target, {
          status: 422,
          formError: 'balance.public.notOpen',
        });
      }
      await balance.setPublicBalance(target, form.data.publicBalance === 'on', request.auditContext);
      return reply.redirect(`/c/${encodeURIComponent(target.slug ?? '')}/balance?notice=balance-public-saved`, 303);
    },
  );

  app.get('/o/:slug/balance', async (request, reply) =>
    renderBalance(request, reply, await balance.openOrganization(slugOf(request), request.viewer)),
  );
  app.get('/o/:slug/balance.csv', async (request, reply) => {
    const target = await balance.openOrganization(slugOf(request), request.viewer);
    return sendCsv(request, reply, target, target.slug ?? 'organization');
  });

  app.get('/admin/balance', async (request, reply) => renderBalance(request, reply, balance.openSite(request.viewer)));
  app.get('/admin/balance.csv', async (request, reply) =>
    sendCsv(request, reply, balance.openSite(request.viewer), 'site'),
  );
}
