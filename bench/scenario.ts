import type { Db } from '../src/db/client.js';
import { seedDemoData } from '../src/demo/demo-data.js';
import type { OrganizationKind } from '../src/generated/prisma/enums.js';
import { BENCH_BALANCE_SEEDS, BENCH_BALANCE_SETS, benchBalancePath } from './balance.js';
import { BENCH_CONVERSATION_SLUG, BENCH_REPLY_COUNT, BENCH_THREAD_SEEDS, BENCH_THREADS_SLUG } from './threads.js';

// What `npm run bench` measures and the data it measures it on. New pages add
// their route to BENCH_ROUTES and, if they need data, a step to BENCH_SEEDS.

/** What a route's path function may use to find its path, e.g. a link on another page. */
export interface RouteContext {
  /** Ágora's base URL, such as http://127.0.0.1:40123 (no trailing slash). */
  readonly baseUrl: string;
  /** GETs a path from Ágora and returns the body; throws unless the answer is 2xx. */
  getText(path: string): Promise<string>;
}

export interface BenchRoute {
  /** Short and unique: it names the row in the table and is what --routes selects. */
  readonly name: string;
  /** The path to load, or how to find it once Ágora is running. */
  readonly path: string | ((context: RouteContext) => string | Promise<string>);
}

const STYLESHEET_HREF = /href="(\/static\/css\/main\.css\?v=[0-9a-f]+)"/;

/** The first link a page has that matches `pattern` (its first group), or an error naming what is missing. */
async function linkOn(context: RouteContext, page: string, pattern: RegExp, what: string): Promise<string> {
  const href = pattern.exec(await context.getText(page))?.[1];
  if (!href) throw new Error(`${page} has no ${what}`);
  return href.replaceAll('&amp;', '&');
}

// ─── The routes measured, in order. Extend here. ───────────────────────────────
export const BENCH_ROUTES: readonly BenchRoute[] = [
  { name: 'home', path: '/' },
  { name: 'sign-in', path: '/sign-in' },
  // Anonymous views of demo data: a profile, the community directory, an open public community.
  { name: 'profile', path: '/u/lucia-martin' },
  { name: 'communities', path: '/communities' },
  { name: 'community', path: '/c/participacion-villanueva' },
  { name: 'healthz', path: '/healthz' },
  { name: 'readyz', path: '/readyz' },
  {
    name: 'static-css',
    path: async ({ getText }) => {
      const href = STYLESHEET_HREF.exec(await getText('/'))?.[1];
      if (!href) throw new Error('the home page has no link to /static/css/main.css?v=…');
      return href;
    },
  },
  // Threads (bench/threads.ts): a long conversation, and a list over many threads with its second page.
  {
    name: 'thread',
    path: (context) =>
      linkOn(
        context,
        `/c/${BENCH_CONVERSATION_SLUG}`,
        new RegExp(`href="(/c/${BENCH_CONVERSATION_SLUG}/threads/[0-9a-f-]{36})"`),
        `link to its thread of ${BENCH_REPLY_COUNT} replies`,
      ),
  },
  { name: 'threads', path: `/c/${BENCH_THREADS_SLUG}` },
  {
    name: 'threads-older',
    path: (context) =>
      linkOn(
        context,
        `/c/${BENCH_THREADS_SLUG}`,
        new RegExp(`href="(/c/${BENCH_THREADS_SLUG}\\?[^"]*after=[^"]+)" rel="next"`),
        'link to older threads',
      ),
  },
  // The balance (bench/balance.ts): one year of a community at two sizes, and five years of the large one.
  ...BENCH_BALANCE_SETS.map((set) => ({
    name: `balance-${set.slug.replace('bench-equilibrio-', '')}`,
    path: () => benchBalancePath(set.slug, 365),
  })),
  { name: 'balance-1m-5y', path: () => benchBalancePath('bench-equilibrio-1m', 5 * 365 - 7) },
  // One of its charts, an SVG image of its own (drawn once, then from the cache while the figures stay).
  {
    name: 'balance-chart',
    path: () => `${benchBalancePath('bench-equilibrio-1m', 365).replace('/balance?', '/balance.svg?')}&chart=mix`,
  },
];

// ─── The data they run on, written in order; each step is idempotent. Extend here. ───
export const BENCH_ORGANIZATION_COUNT = 200;

const KINDS: readonly OrganizationKind[] = ['MUNICIPALITY', 'PROVINCE', 'REGION', 'STATE_AGENCY', 'PARTNER'];

/** BENCH_ORGANIZATION_COUNT fictional organizations (slugs bench-org-NNN), on top of the demo ones. */
export async function seedBenchOrganizations(db: Db): Promise<void> {
  const data = Array.from({ length: BENCH_ORGANIZATION_COUNT }, (_, index) => {
    const number = String(index + 1).padStart(3, '0');
    return {
      name: `Organización de prueba ${number}`,
      slug: `bench-org-${number}`,
      kind: KINDS[index % KINDS.length] ?? 'MUNICIPALITY',
      emailDomains: [`bench-org-${number}.example`],
    };
  });
  await db.organization.createMany({ data, skipDuplicates: true });
}

export const BENCH_SEEDS: ReadonlyArray<{ readonly name: string; seed(db: Db): Promise<unknown> }> = [
  { name: 'demo data', seed: seedDemoData },
  { name: `${BENCH_ORGANIZATION_COUNT} organizations`, seed: seedBenchOrganizations },
  ...BENCH_THREAD_SEEDS,
  ...BENCH_BALANCE_SEEDS,
];
