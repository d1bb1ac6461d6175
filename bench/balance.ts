import { addDays, dayIn } from '../src/balance/balance-period.js';
import { createBalanceRollup } from '../src/balance/balance-rollup.js';
import type { Db } from '../src/db/client.js';

// The balance's data sets (issue 13, item 4): two open communities whose owners show their balance
// publicly, one of BENCH_BALANCE_SMALL posts and one of BENCH_BALANCE_LARGE, ten posts a thread over
// the last five years, written by one INSERT … SELECT generate_series per table. The triggers that log
// changes for the roll-up are switched off inside the writing transaction (nobody else sees them off),
// and the roll-up is then rebuilt whole, as after a restore. Idempotent: fixed ids per index, and a
// community that has its threads is not written again.

export const BENCH_BALANCE_SMALL = 100_000;
export const BENCH_BALANCE_LARGE = 1_000_000;
const POSTS_PER_THREAD = 10;
const FIVE_YEARS_MINUTES = 5 * 365 * 24 * 60;

export const BENCH_BALANCE_SETS = [
  { slug: 'bench-equilibrio-100k', posts: BENCH_BALANCE_SMALL, prefix: 'b3' },
  { slug: 'bench-equilibrio-1m', posts: BENCH_BALANCE_LARGE, prefix: 'b5' },
] as const;

/** The balance page over the last `days` days, as a signed-out reader of the open community loads it. */
export function benchBalancePath(slug: string, days: number, now = new Date()): string {
  const to = dayIn(now, 'Europe/Madrid');
  return `/c/${slug}/balance?from=${addDays(to, -days)}&to=${to}`;
}

async function seedBalanceSet(db: Db, set: (typeof BENCH_BALANCE_SETS)[number]): Promise<boolean> {
  const owner = await db.organization.findFirstOrThrow({ where: { slug: 'bench-org-001' }, select: { id: true } });
  const community = await db.community.upsert({
    where: { slug: set.slug },
    create: {
      slug: set.slug,
      name: `Prueba: equilibrio de ${set.posts.toLocaleString('es')} mensajes`,
      description: 'Datos de `npm run bench`.',
      ownerOrganizationId: owner.id,
      audience: 'OPEN',
      visibility: 'PUBLIC',
      publicBalance: true,
    },
    update: {},
    select: { id: true },
  });
  const threads = set.posts / POSTS_PER_THREAD;
  if ((await db.thread.count({ where: { communityId: community.id } })) >= threads) return false;
  const users = await db.user.findMany({
    where: { handle: { startsWith: 'bench-user-' } },
    select: { id: true },
    orderBy: { handle: 'asc' },
  });
  const authors = users.map((user) => user.id).join(',');
  const stepMinutes = Math.floor(FIVE_YEARS_MINUTES / threads);
  const now = new Date();
  const last = threads - 1;
  const threadId = `'${set.prefix}000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0')`;
  const postId = (expression: string) =>
    `('${set.prefix}100000-0000-4000-8000-' || lpad(to_hex(${expression}), 12, '0'))::uuid`;
  await db.$transaction(
    [
      db.$executeRawUnsafe('ALTER TABLE posts DISABLE TRIGGER balance_post_changed'),
      db.$executeRawUnsafe('ALTER TABLE threads DISABLE TRIGGER balance_thread_changed'),
      // Threads: one question in three; authors from the 20 bench people (20 organizations).
      db.$executeRawUnsafe(
        `INSERT INTO threads (id, community_id, author_id, title, kind, tag, last_activity_at, created_at, updated_at, reply_count)
         SELECT (${threadId})::uuid, $1::uuid, (string_to_array($2, ',')::uuid[])[1 + (i * 7) % ${users.length}],
                'Hilo de equilibrio ' || (i + 1),
                (CASE WHEN i % 3 = 0 THEN 'QUESTION' ELSE 'DISCUSSION' END)::"ThreadKind",
                (CASE WHEN i % 5 = 0 THEN 'PERSONAL' WHEN i % 5 = 4 THEN 'ORGANIZATIONAL' ELSE 'PROFESSIONAL' END)::"PostTag",
                $3::timestamptz - (i + 1) * interval '${stepMinutes} minutes',
                $3::timestamptz - (i + 1) * interval '${stepMinutes} minutes', $3::timestamptz, ${POSTS_PER_THREAD - 1}
         FROM generate_series(0, ${last}) AS i
         ON CONFLICT (id) DO NOTHING`,
        community.id,
        authors,
        now,
      ),
      // Posts: the opening one and nine replies, 47 minutes apart, from authors that rotate.
      db.$executeRawUnsafe(
        `INSERT INTO posts (id, thread_id, author_id, is_opening, source, html, tag, created_at)
         SELECT ${postId(`i * ${POSTS_PER_THREAD} + n`)}, t.id,
                CASE WHEN n = 0 THEN t.author_id
                     ELSE (string_to_array($1, ',')::uuid[])[1 + (i * 7 + n * 3) % ${users.length}] END,
                n = 0, 'Mensaje de prueba', '<p>Mensaje de prueba</p>',
                (CASE WHEN (i + n) % 5 = 0 THEN 'PERSONAL' WHEN (i + n) % 5 = 4 THEN 'ORGANIZATIONAL' ELSE 'PROFESSIONAL' END)::"PostTag",
                t.created_at + n * interval '47 minutes'
         FROM generate_series(0, ${last}) AS i
         JOIN threads t ON t.id = (${threadId})::uuid
         CROSS JOIN generate_series(0, ${POSTS_PER_THREAD - 1}) AS n
         ON CONFLICT (id) DO NOTHING`,
        authors,
      ),
      // Half the questions have an accepted answer: their first reply.
      db.$executeRawUnsafe(
        `UPDATE threads t SET accepted_post_id = ${postId(`i * ${POSTS_PER_THREAD} + 1`)}
         FROM generate_series(0, ${last}, 6) AS i
         WHERE t.id = (${threadId})::uuid AND t.accepted_post_id IS NULL`,
      ),
      db.$executeRawUnsafe('ALTER TABLE threads ENABLE TRIGGER balance_thread_changed'),
      db.$executeRawUnsafe('ALTER TABLE posts ENABLE TRIGGER balance_post_changed'),
    ],
    { timeout: 15 * 60_000 },
  );
  return true;
}

/** Both data sets, then the roll-up rebuilt whole when anything was written (or never rolled up). */
async function seedBenchBalance(db: Db): Promise<string> {
  let written = false;
  for (const set of BENCH_BALANCE_SETS) written = (await seedBalanceSet(db, set)) || written;
  const rolledUp = await db.balanceWeek.count({ where: { scope: 'SITE' } });
  if (!written && rolledUp > 0) return 'already there';
  const started = performance.now();
  const rollup = createBalanceRollup({ db, timeZone: 'Europe/Madrid' });
  const weeks = await rollup.rebuildAll();
  await rollup.catchUp();
  return `roll-up of ${weeks} weeks in ${((performance.now() - started) / 1000).toFixed(1)} s`;
}

export const BENCH_BALANCE_SEEDS: ReadonlyArray<{ readonly name: string; seed(db: Db): Promise<unknown> }> = [
  {
    name: `balance: ${BENCH_BALANCE_SMALL.toLocaleString('en')} and ${BENCH_BALANCE_LARGE.toLocaleString('en')} posts over five years, and their roll-up`,
    seed: async (db) => process.stderr.write(`  ${await seedBenchBalance(db)}\n`),
  },
];
