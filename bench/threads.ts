import type { Db } from '../src/db/client.js';
import { type DemoThread, seedDemoThreads } from '../src/demo/demo-threads.js';
import type { PostTag } from '../src/generated/prisma/enums.js';
import { renderPostMarkdown } from '../src/markdown/post-markdown.js';

// The bench's threads: one long conversation (a thread page with BENCH_REPLY_COUNT replies) and one
// community with BENCH_THREAD_COUNT threads (the list and its keyset pages). Both communities are open
// and public, so the pages are measured as a signed-out visitor reads them. Idempotent like every step.

export const BENCH_USER_COUNT = 20;
export const BENCH_REPLY_COUNT = 200;
export const BENCH_THREAD_COUNT = 10_000;
/** Threads of the big list that are pinned: the first page starts with them. */
const BENCH_PINNED = [0, 4_999, 9_998];

export const BENCH_CONVERSATION_SLUG = 'bench-conversacion';
export const BENCH_THREADS_SLUG = 'bench-hilos';
export const BENCH_CONVERSATION_TITLE = `Hilo de prueba con ${BENCH_REPLY_COUNT} respuestas`;

const handleOf = (index: number) => `bench-user-${String(index + 1).padStart(2, '0')}`;
const BENCH_HANDLES = Array.from({ length: BENCH_USER_COUNT }, (_, index) => handleOf(index));

/** BENCH_USER_COUNT employees of the bench organizations (they cannot sign in) and the two communities. */
async function seedBenchPeople(db: Db): Promise<void> {
  const organizations = await db.organization.findMany({
    where: { slug: { startsWith: 'bench-org-' } },
    select: { id: true },
    orderBy: { slug: 'asc' },
    take: BENCH_USER_COUNT,
  });
  const organizationAt = (index: number) => organizations[index % organizations.length]?.id ?? null;
  const owner = organizationAt(0);
  if (!owner) throw new Error('The bench organizations must be seeded before the bench threads');
  await db.user.createMany({
    data: BENCH_HANDLES.map((handle, index) => ({
      email: `${handle}@bench.example`,
      handle,
      displayName: `Persona de prueba ${index + 1}`,
      jobTitle: 'Técnica de prueba',
      kind: 'EMPLOYEE' as const,
      // Not an argon2 hash: nobody signs in as a bench user.
      passwordHash: '!bench',
      emailVerifiedAt: new Date(),
      organizationId: organizationAt(index),
    })),
    skipDuplicates: true,
  });
  await db.community.createMany({
    data: [
      { slug: BENCH_CONVERSATION_SLUG, name: 'Prueba: una conversación larga' },
      { slug: BENCH_THREADS_SLUG, name: `Prueba: ${BENCH_THREAD_COUNT.toLocaleString('es')} hilos` },
    ].map((community) => ({
      ...community,
      description: 'Datos de `npm run bench`.',
      ownerOrganizationId: owner,
      audience: 'OPEN' as const,
      visibility: 'PUBLIC' as const,
    })),
    skipDuplicates: true,
  });
  const [users, communities] = await Promise.all([
    db.user.findMany({ where: { handle: { in: BENCH_HANDLES } }, select: { id: true, handle: true } }),
    db.community.findMany({
      where: { slug: { in: [BENCH_CONVERSATION_SLUG, BENCH_THREADS_SLUG] } },
      select: { id: true },
    }),
  ]);
  await db.membership.createMany({
    data: communities.flatMap((community) =>
      users.map((user) => ({
        communityId: community.id,
        userId: user.id,
        role: user.handle === handleOf(0) ? ('OWNER' as const) : ('MEMBER' as const),
        state: 'ACTIVE' as const,
      })),
    ),
    skipDuplicates: true,
  });
}

// ─── The long conversation: written by the demo's writer, so it meets the same rules ───────────────

const REPLY_BODIES: readonly ((n: number, mention: string) => string)[] = [
  (n) =>
    `En nuestro ayuntamiento lo tramitamos así (caso ${n}):\n\n1. Registro de la solicitud en la sede electrónica.\n2. Informe técnico en diez días.\n3. Resolución y notificación electrónica.\n\n#rendimiento #licencias`,
  (n, mention) =>
    `Coincido con ${mention}. El criterio de la ordenanza es **claro** en el artículo ${n % 40}: la declaración responsable basta si la obra no afecta a la estructura.`,
  (n) =>
    `Comparto la plantilla del informe técnico que usamos, versión ${n}. Los campos \`referencia_catastral\` y \`presupuesto\` son obligatorios. Más detalles en https://normativa.example/ordenanza-${n}`,
  (n, mention) =>
    `> ¿Pedís informe previo de patrimonio?\n\nSolo en edificios catalogados, ${mention}. En el resto revisamos en la comprobación posterior (expediente ${n}). #patrimonio`,
  () =>
    '¡Gracias a todos! Me quedo con la idea de unificar criterios en la comarca; hoy tengo el día complicado con la mudanza, pero lo leo esta noche.',
];

/** BENCH_REPLY_COUNT replies: 70 % to the thread, three in seven of those answered once (30 %); reactions on most. */
export function benchConversation(): DemoThread {
  const at = (index: number) => BENCH_HANDLES[index % BENCH_USER_COUNT] ?? handleOf(0);
  const reactors = (index: number, author: string, count: number) =>
    Array.from({ length: count }, (_, k) => at(index + 3 + k)).filter((handle) => handle !== author);
  const post = (index: number, hours: number) => {
    const author = at(index + 1);
    const template = REPLY_BODIES[index % REPLY_BODIES.length] ?? REPLY_BODIES[0];
    const personal = index % REPLY_BODIES.length === REPLY_BODIES.length - 1;
    return {
      author,
      tag: (personal ? 'PERSONAL' : 'PROFESSIONAL') as PostTag,
      hours,
      body: template?.(index, `@${at(index + 2)}`) ?? '',
      likes: reactors(index, author, index % 4),
      useful: reactors(index + 7, author, index % 3),
    };
  };
  const topLevel = Math.round(BENCH_REPLY_COUNT * 0.7);
  const replies = Array.from({ length: topLevel }, (_, index) => ({
    ...post(index, 1 + index * 3),
    // Three replies in every seven get an answer: 60 answers to 140 replies, 200 in all.
    answers: index % 7 < 3 ? [post(topLevel + index, 2 + index * 3)] : [],
  }));
  return {
    community: BENCH_CONVERSATION_SLUG,
    title: BENCH_CONVERSATION_TITLE,
    kind: 'DISCUSSION',
    daysAgo: 30,
    opening: {
      author: handleOf(0),
      tag: 'PROFESSIONAL',
      body: '¿Cómo tramitáis las **obras menores** en fachadas catalogadas? Recojo aquí vuestra experiencia. #licencias',
    },
    replies,
  };
}

// ─── The big list: one INSERT … SELECT generate_series per table, without the per-post work the list never reads ───

const LIST_BODY = 'Hilo generado para medir la lista de hilos. #rendimiento';

/**
 * BENCH_THREAD_COUNT threads, one every ten minutes back from now (distinct times, so the keyset order
 * is the index), each with its opening post and no replies. Kinds cycle discussion, discussion, question,
 * announcement; one in five is personal, the rest professional. Ids are fixed per index (b1… threads,
 * b2… posts), so a rerun, or a run after an interrupted one, writes only what is missing.
 */
async function seedBenchThreadList(db: Db): Promise<void> {
  const community = await db.community.findUniqueOrThrow({ where: { slug: BENCH_THREADS_SLUG }, select: { id: true } });
  const written = await db.thread.count({ where: { communityId: community.id } });
  if (written >= BENCH_THREAD_COUNT) return;
  const users = await db.user.findMany({
    where: { handle: { in: BENCH_HANDLES } },
    select: { id: true },
    orderBy: { handle: 'asc' },
  });
  const authors = users.map((user) => user.id).join(',');
  const pinned = BENCH_PINNED.join(',');
  const html = renderPostMarkdown(LIST_BODY, { knownHandles: new Set(), images: new Map() }).html;
  const now = new Date();
  const last = BENCH_THREAD_COUNT - 1;
  await db.$transaction(
    [
      db.$executeRaw`
      INSERT INTO threads (id, community_id, author_id, title, kind, tag, pinned, last_activity_at, created_at, updated_at)
      SELECT ('b1000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
             ${community.id}::uuid,
             (string_to_array(${authors}, ',')::uuid[])[1 + i % ${users.length}],
             'Hilo de prueba ' || (i + 1) || ': ' ||
               CASE WHEN i % 4 = 2 THEN '¿duda sobre contratación?' ELSE 'administración electrónica' END,
             (ARRAY['DISCUSSION', 'DISCUSSION', 'QUESTION', 'ANNOUNCEMENT'])[1 + i % 4]::"ThreadKind",
             (CASE WHEN i % 5 = 0 THEN 'PERSONAL' ELSE 'PROFESSIONAL' END)::"PostTag",
             i = ANY (string_to_array(${pinned}, ',')::int[]),
             ${now}::timestamptz - (i + 1) * interval '10 minutes',
             ${now}::timestamptz - (i + 1) * interval '10 minutes',
             ${now}::timestamptz
      FROM generate_series(0, ${last}::int) AS i
      ON CONFLICT (id) DO NOTHING`,
      db.$executeRaw`
      INSERT INTO posts (id, thread_id, author_id, is_opening, source, html, tag, created_at)
      SELECT ('b2000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t.id, t.author_id, true,
             ${LIST_BODY}, ${html}, t.tag, t.created_at
      FROM generate_series(0, ${last}::int) AS i
      JOIN threads t ON t.id = ('b1000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid
      ON CONFLICT (id) DO NOTHING`,
      // Every post passes through the tables' triggers (search text, balance, feeds): a minute, not
      // Prisma's default 5 s, on a loaded machine.
    ],
    { timeout: 60_000 },
  );
}

/** The bench's thread steps, in order (after the bench organizations). */
export const BENCH_THREAD_SEEDS: ReadonlyArray<{ readonly name: string; seed(db: Db): Promise<unknown> }> = [
  { name: `${BENCH_USER_COUNT} people and 2 open communities`, seed: seedBenchPeople },
  { name: `a thread of ${BENCH_REPLY_COUNT} replies`, seed: (db) => seedDemoThreads(db, [benchConversation()]) },
  { name: `${BENCH_THREAD_COUNT} threads in one community`, seed: seedBenchThreadList },
];
