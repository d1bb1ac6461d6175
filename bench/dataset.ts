import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../src/accounts/password.js';
import { type Config, loadConfig } from '../src/config.js';
import { applyMigrations } from '../src/db/migrate.js';

// The data sets the bench measures list pages on (issue 15): a site of 30 organizations, 10,000 people,
// 2,000 communities of every audience × visibility, 100,000 threads and about a million posts, and the
// same at a hundredth of the size. Each lives in a database of its own on the bench's PostgreSQL
// (`agora_scale_<name>`), written by SQL alone (INSERT … SELECT over generate_series: nothing crosses
// the wire row by row), and is kept between runs: a marker row in `bench_dataset` names the parameters it
// was built with, and a database whose marker differs (or is missing) is dropped and built again.
//
// Other pages (search, feed, people) measure on the same data: import DATASETS and ensureDataset, and
// read the fixture names below (DATASET_VIEWER_HANDLE, DATASET_TOPICS, bigCommunitySlug…).

/** The sizes of one data set. */
export interface DatasetParameters {
  readonly name: string;
  readonly organizations: number;
  readonly people: number;
  readonly communities: number;
  readonly threads: number;
  /** Replies per thread, on average (8, 9 or 10): posts ≈ threads × (1 + this). */
  readonly repliesPerThread: number;
  /** Communities each person belongs to (some pending, invited or banned). */
  readonly membershipsPerPerson: number;
  /** Communities the bench's viewer is an active member of. */
  readonly viewerCommunities: number;
}

/** Bump when the generator changes what it writes: every kept data set is then built again. */
export const DATASET_VERSION = 7;

export const DATASETS: Readonly<Record<'large' | 'small', DatasetParameters>> = {
  large: {
    name: 'large',
    organizations: 30,
    people: 10_000,
    communities: 2_000,
    threads: 100_000,
    repliesPerThread: 9,
    membershipsPerPerson: 20,
    viewerCommunities: 58,
  },
  // A hundredth, but for the organizations (a site has its 30 whatever its size) and the viewer's
  // communities (as many as there are).
  small: {
    name: 'small',
    organizations: 30,
    people: 100,
    communities: 20,
    threads: 1_000,
    repliesPerThread: 9,
    membershipsPerPerson: 20,
    viewerCommunities: 20,
  },
};

/**
 * Words the search pages look for (issue 12): one in the titles of exactly 20 threads at either size (a
 * specific question: its matches do not grow with the site), one in a hundredth of them (a common word),
 * and one in every generated reply (nine posts in ten: the newest results are ranked).
 */
export const DATASET_SEARCH = { specific: 'veladores', common: 'subvenciones', everywhere: 'declaración' } as const;

/** The person the bench signs in as: an employee of an administration, member of many communities. */
export const DATASET_VIEWER_HANDLE = 'scale-person-1';
/**
 * A topic on every tenth thread's opening post (popular), and one on every thousandth (rare, in the big
 * community), or more often where that would not fill a page of the topic (rareTopicStep).
 */
export const DATASET_TOPICS = { popular: 'urbanismo', rare: 'padron' } as const;

/**
 * Every how many threads the rare topic is: every 1000th, or, on a data set where that would list fewer than
 * a page (25) and a bit, every 30th or so: a multiple of 10, so each is in the big open community.
 */
export function rareTopicStep(p: DatasetParameters): number {
  return Math.max(10, Math.min(1000, 10 * Math.floor(p.threads / 300)));
}

/**
 * A word in the description of communities 0–8 only, one of each audience × visibility at both sizes: a
 * directory search that finds the same few communities on a small site and a large one.
 */
export const DATASET_DIRECTORY_WORD = 'cementerios';
/** The open public community that holds a tenth of all threads (the deep keyset page is measured there). */
export const BIG_COMMUNITY_SLUG = 'scale-community-2';
/** The title of the big community's thread of LONG_THREAD_REPLIES replies (the long-thread page). */
export const LONG_THREAD_TITLE = 'Hilo largo: 200 respuestas sobre la ordenanza de terrazas';
export const LONG_THREAD_REPLIES = 200;

/**
 * How Ágora is configured to serve a data set at `url` for measuring: as in production, without jobs,
 * migrations, demo data or a request limit, and with sessions that last a day, so that the measured
 * session never slides (a write) while it is measured. Listening on a free loopback port when it listens.
 */
export function datasetAppConfig(url: string): Config {
  return loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    DATABASE_URL: url,
    JOB_WORKERS: 'none',
    MIGRATE_ON_START: 'false',
    DEMO_DATA: 'false',
    SESSION_IDLE_MINUTES: '1440',
    HOST: '127.0.0.1',
    PORT: '0',
  });
}

/** The password of every person of the data sets. */
export const DATASET_PASSWORD = 'una frase larga de prueba';

/** The URL of database `name` on the server of `url`. */
export function databaseUrl(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const markerOf = (parameters: DatasetParameters) => JSON.stringify({ version: DATASET_VERSION, ...parameters });

/**
 * The data set's database on the server of `serverUrl`, built if it is missing or was built with other
 * parameters: its URL, and whether (and in how many seconds) it was built now.
 */
export async function ensureDataset(
  serverUrl: string,
  parameters: DatasetParameters,
  progress: (line: string) => void = () => {},
): Promise<{ url: string; builtSeconds: number | null }> {
  const name = `agora_scale_${parameters.name}`;
  const url = databaseUrl(serverUrl, name);
  const marker = markerOf(parameters);
  const existing = await withClient(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (found.rowCount ?? 0) > 0;
  });
  if (existing) {
    const kept = await withClient(url, async (client) => {
      const table = await client.query("SELECT to_regclass('public.bench_dataset') AS t");
      if (!table.rows[0]?.t) return false;
      // jsonb keeps its own key order: compare as jsonb.
      const row = await client.query('SELECT parameters = $2::jsonb AS same FROM bench_dataset WHERE name = $1', [
        parameters.name,
        marker,
      ]);
      return row.rows[0]?.same === true;
    });
    if (kept) {
      // Migrations added since it was built (an index, say) apply to it too.
      await applyMigrations(url);
      return { url, builtSeconds: null };
    }
    progress(`  data set ${parameters.name}: built with other parameters, building it again`);
    await withClient(serverUrl, (client) =>
      client.query(`DROP DATABASE ${client.escapeIdentifier(name)} WITH (FORCE)`),
    );
  }
  const started = performance.now();
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  await applyMigrations(url);
  const passwordHash = await hashPassword(DATASET_PASSWORD);
  await withClient(url, async (client) => {
    for (const [what, sql, values] of generationSteps(parameters, passwordHash)) {
      const stepStarted = performance.now();
      await client.query(sql, values);
      progress(`  ${parameters.name}: ${what} (${((performance.now() - stepStarted) / 1000).toFixed(1)} s)`);
    }
    // Vacuumed now, so autovacuum does not wake up on these tables while pages are measured.
    await client.query('VACUUM ANALYZE');
    await client.query(
      `CREATE TABLE bench_dataset (name text PRIMARY KEY, parameters jsonb NOT NULL, built_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query('INSERT INTO bench_dataset (name, parameters) VALUES ($1, $2)', [parameters.name, marker]);
  });
  return { url, builtSeconds: (performance.now() - started) / 1000 };
}

/**
 * The SQL that writes a data set, step by step: [what, statement, parameters]. Foreign keys are
 * checked by construction (every id drawn from the rows just written), so the session skips their
 * triggers (session_replication_role = replica) to write a million posts in a minute or two.
 */
function generationSteps(p: DatasetParameters, passwordHash: string): [string, string, unknown[]][] {
  const repliesLow = p.repliesPerThread - 1;
  return [
    ['fast writes', `SET session_replication_role = replica; SET synchronous_commit = off`, []],
    [
      `${p.organizations} organizations`,
      // Every sixth a partner body, the rest administrations of each kind.
      `INSERT INTO organizations (id, name, slug, kind, email_domains, updated_at)
       SELECT gen_random_uuid(), 'Organización ' || i, 'scale-org-' || i,
              (CASE WHEN i % 6 = 5 THEN 'PARTNER'
                    ELSE (ARRAY['MUNICIPALITY','PROVINCE','REGION','STATE_AGENCY'])[1 + i % 4] END)::"OrganizationKind",
              ARRAY['scale-org-' || i || '.example'], now()
         FROM generate_series(0, $1::int - 1) AS i`,
      [p.organizations],
    ],
    [
      `${p.people} people`,
      // Person i: every 20th a citizen, every 20th (+1) a partner, the others employees of an administration.
      `WITH orgs AS (SELECT id, kind, row_number() OVER (ORDER BY slug) - 1 AS n,
                            row_number() OVER (PARTITION BY kind = 'PARTNER' ORDER BY slug) - 1 AS k
                       FROM organizations WHERE slug LIKE 'scale-org-%'),
            admins AS (SELECT id, k FROM orgs WHERE kind <> 'PARTNER'),
            partners AS (SELECT id, k FROM orgs WHERE kind = 'PARTNER')
       INSERT INTO users (id, email, email_verified_at, password_hash, kind, handle, display_name, job_title,
                          expertise, organization_id, updated_at)
       SELECT gen_random_uuid(), 'scale-person-' || i || '@scale.example', now(), $2,
              (CASE WHEN i % 20 = 19 THEN 'CITIZEN' WHEN i % 20 = 18 THEN 'PARTNER' ELSE 'EMPLOYEE' END)::"UserKind",
              'scale-person-' || i, 'Persona ' || i, 'Técnica de urbanismo',
              CASE WHEN i % 50 = 0 THEN ARRAY['Urbanismo', 'Padrón'] ELSE ARRAY[]::text[] END,
              CASE WHEN i % 20 = 19 THEN NULL
                   WHEN i % 20 = 18 THEN (SELECT id FROM partners WHERE k = i % (SELECT count(*) FROM partners))
                   ELSE (SELECT id FROM admins WHERE k = i % (SELECT count(*) FROM admins)) END,
              now()
         FROM generate_series(0, $1::int - 1) AS i`,
      [p.people, passwordHash],
    ],
    [
      `${p.communities} communities`,
      // Community i: audience i % 3, visibility (i / 3) % 3: every combination, evenly.
      `WITH admins AS (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS k
                         FROM organizations WHERE slug LIKE 'scale-org-%' AND kind <> 'PARTNER')
       INSERT INTO communities (id, slug, name, description, owner_organization_id, audience, visibility, updated_at)
       SELECT gen_random_uuid(), 'scale-community-' || i,
              'Comunidad ' || i || ' de ' || (ARRAY['urbanismo','padrón','contratación','igualdad','archivo'])[1 + i % 5],
              'Espacio de trabajo número ' || i || ' sobre ' || (ARRAY['licencias','subvenciones','transparencia'])[1 + i % 3]
                || CASE WHEN i < 9 THEN ' y ' || $2 ELSE '' END,
              (SELECT id FROM admins WHERE k = i % (SELECT count(*) FROM admins)),
              (ARRAY['INTERNAL','INTERADMINISTRATIVE','OPEN'])[1 + i % 3]::"CommunityAudience",
              (ARRAY['PUBLIC','PRIVATE','SECRET'])[1 + (i / 3) % 3]::"CommunityVisibility",
              now()
         FROM generate_series(0, $1::int - 1) AS i`,
      [p.communities, DATASET_DIRECTORY_WORD],
    ],
    [
      `about ${p.people * p.membershipsPerPerson} memberships`,
      `WITH c AS (SELECT id, substring(slug from 17)::int AS n FROM communities WHERE slug LIKE 'scale-community-%'),
            u AS (SELECT id, substring(handle::text from 14)::int AS n FROM users WHERE handle LIKE 'scale-person-%')
       INSERT INTO memberships (community_id, user_id, role, state, updated_at)
       SELECT c.id, u.id, 'MEMBER',
              (CASE WHEN m % 10 = 7 THEN 'PENDING' WHEN m % 20 = 3 THEN 'INVITED' WHEN m % 50 = 11 THEN 'BANNED'
                    ELSE 'ACTIVE' END)::"MembershipState",
              now()
         FROM u CROSS JOIN generate_series(0, $1::int - 1) AS m
         JOIN c ON c.n = (u.n * 7 + m * 131) % $2::int
       ON CONFLICT DO NOTHING`,
      [p.membershipsPerPerson, p.communities],
    ],
    [
      `the viewer in ${p.viewerCommunities} communities`,
      `INSERT INTO memberships (community_id, user_id, role, state, updated_at)
       SELECT c.id, (SELECT id FROM users WHERE handle = $1), 'MEMBER', 'ACTIVE', now()
         FROM communities c
        WHERE c.slug IN (SELECT 'scale-community-' || ((m * 37 + 2) % $3::int) FROM generate_series(0, $2::int - 1) AS m)
       ON CONFLICT (community_id, user_id) DO UPDATE SET state = 'ACTIVE'`,
      [DATASET_VIEWER_HANDLE, p.viewerCommunities, p.communities],
    ],
    [
      `${p.threads} threads`,
      // Thread i: a tenth in the big open community, the rest spread evenly; every 50th pinned; its last
      // activity somewhere in the last two years; (8, 9 or 10 replies, counted as posting counts them).
      `WITH c AS (SELECT id, substring(slug from 17)::int AS n FROM communities WHERE slug LIKE 'scale-community-%'),
            u AS (SELECT id, substring(handle::text from 14)::int AS n FROM users WHERE handle LIKE 'scale-person-%')
       INSERT INTO threads (id, community_id, author_id, title, kind, tag, pinned, reply_count, last_activity_at,
                            created_at, updated_at)
       SELECT gen_random_uuid(), c.id, u.id,
              'Hilo ' || i || ': ¿cómo tramitáis ' || CASE WHEN i < 20 THEN 'los veladores de las terrazas'
                WHEN i % 100 = 42 THEN 'las subvenciones de concurrencia' ELSE 'las licencias de obra menor' END || '?',
              (ARRAY['DISCUSSION','QUESTION','DISCUSSION','ANNOUNCEMENT'])[1 + i % 4]::"ThreadKind",
              (ARRAY['PROFESSIONAL','PERSONAL','PROFESSIONAL','ORGANIZATIONAL'])[1 + i % 4]::"PostTag",
              i % 50 = 0, $3::int + i % 3,
              now() - make_interval(secs => (i::bigint * 7919 % 63072000)::double precision),
              now() - interval '2 years', now()
         FROM generate_series(0, $1::int - 1) AS i
         JOIN c ON c.n = CASE WHEN i % 10 = 0 THEN 2 ELSE i % $2::int END
         JOIN u ON u.n = i % $4::int`,
      [p.threads, p.communities, repliesLow, p.people],
    ],
    [
      `${p.threads} opening posts`,
      `INSERT INTO posts (id, thread_id, author_id, is_opening, source, html, tag, created_at)
       SELECT gen_random_uuid(), t.id, t.author_id, true, 'Buscamos un modelo de expediente. #Urbanismo',
              '<p>Buscamos un modelo de expediente y de informe técnico para las licencias de obra menor. ¿Alguien lo tiene?</p>',
              t.tag, t.created_at
         FROM threads t`,
      [],
    ],
    [
      `about ${p.threads * p.repliesPerThread} replies`,
      `INSERT INTO posts (id, thread_id, author_id, is_opening, source, html, tag, created_at)
       SELECT gen_random_uuid(), t.id, t.author_id, false, 'Nosotros usamos una declaración responsable.',
              '<p>Nosotros usamos una declaración responsable y el informe técnico se firma en la sede electrónica.</p>',
              'PROFESSIONAL', t.last_activity_at - make_interval(mins => r)
         FROM threads t, generate_series(1, t.reply_count) AS r`,
      [],
    ],
    [
      `a thread of ${LONG_THREAD_REPLIES} replies`,
      // The big community's latest unpinned thread becomes the long one: its replies replaced by
      // LONG_THREAD_REPLIES: three quarters replies to the thread from many people, a quarter answers under
      // the first of them.
      `WITH target AS (
         SELECT t.id, t.last_activity_at FROM threads t JOIN communities c ON c.id = t.community_id
          WHERE c.slug = $2 AND NOT t.pinned ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 1),
       retitled AS (UPDATE threads SET title = $3, reply_count = $1 WHERE id = (SELECT id FROM target)),
       dropped AS (DELETE FROM posts WHERE thread_id = (SELECT id FROM target) AND NOT is_opening),
       u AS (SELECT id, substring(handle::text from 14)::int AS n FROM users WHERE handle LIKE 'scale-person-%'),
       tops AS (
         INSERT INTO posts (id, thread_id, author_id, is_opening, source, html, tag, created_at)
         SELECT gen_random_uuid(), target.id, u.id, false, 'Respuesta ' || r,
                '<p>Respuesta ' || r || ': en nuestro ayuntamiento la ordenanza de terrazas se aprobó con un informe de movilidad y otro de ruido; os dejo el <a href="https://example.org/modelo">modelo</a>.</p>',
                'PROFESSIONAL', target.last_activity_at - make_interval(mins => $1::int - r)
           FROM target, generate_series(1, $1::int) AS r JOIN u ON u.n = r * 37 % (SELECT count(*) FROM u)
          WHERE r % 4 <> 0
         RETURNING id, created_at)
       INSERT INTO posts (id, thread_id, author_id, parent_id, is_opening, source, html, tag, created_at)
       SELECT gen_random_uuid(), target.id, (SELECT id FROM u WHERE n = 1), tops.id, false, 'Gracias',
              '<p>Gracias, nos sirve: lo adaptamos a nuestro municipio.</p>', 'PERSONAL', tops.created_at + interval '1 second'
         FROM target, (SELECT id, created_at FROM tops ORDER BY created_at LIMIT $1::int / 4) AS tops`,
      [LONG_THREAD_REPLIES, BIG_COMMUNITY_SLUG, LONG_THREAD_TITLE],
    ],
    [
      'topics',
      `INSERT INTO topics (id, slug, label) VALUES (gen_random_uuid(), $1, $1), (gen_random_uuid(), $2, $2) ON CONFLICT DO NOTHING`,
      [DATASET_TOPICS.popular, DATASET_TOPICS.rare],
    ],
    [
      'topics on opening posts',
      // By the thread's number (in its title): the popular topic on threads 3, 13, 23… (spread over the
      // communities), the rare one on threads 0, 1000, 2000… (in the big open community: readable by all).
      // At the small size every 1000th thread would be one thread, and the rare topic's page would list one
      // where the large size's lists a page: the rare topic is then on every 30th (a page and a bit too), so
      // both sizes list the same page and the ratio compares what finding it costs.
      `INSERT INTO post_topics (post_id, topic_id, created_at)
       SELECT p.id, tp.id, p.created_at
         FROM posts p
         JOIN threads t ON t.id = p.thread_id
         JOIN topics tp ON tp.slug = CASE WHEN substring(t.title from '^Hilo ([0-9]+):')::int % $3::int = 0 THEN $2 ELSE $1 END
        WHERE p.is_opening AND t.title LIKE 'Hilo %'
          AND (substring(t.title from '^Hilo ([0-9]+):')::int % 10 = 3
               OR substring(t.title from '^Hilo ([0-9]+):')::int % $3::int = 0)`,
      [DATASET_TOPICS.popular, DATASET_TOPICS.rare, rareTopicStep(p)],
    ],
    [
      'accepted answers',
      // A third of the questions solved by their first reply (the solved view, the expert ranking).
      `UPDATE threads t SET accepted_post_id = (
          SELECT p.id FROM posts p WHERE p.thread_id = t.id AND NOT p.is_opening ORDER BY p.created_at, p.id LIMIT 1)
        WHERE t.kind = 'QUESTION' AND substring(t.title from '^Hilo ([0-9]+):')::int % 3 = 0`,
      [],
    ],
    [
      'the viewer follows 20 people and the popular topic',
      `INSERT INTO follows (id, follower_id, user_id)
       SELECT gen_random_uuid(), (SELECT id FROM users WHERE handle = $1), u.id
         FROM users u WHERE u.handle IN (SELECT 'scale-person-' || n FROM generate_series(2, 21) AS n);
       INSERT INTO follows (id, follower_id, topic_id)
       SELECT gen_random_uuid(), (SELECT id FROM users WHERE handle = $1), id FROM topics WHERE slug = $2`
        .replace(/\$1/g, `'${DATASET_VIEWER_HANDLE}'`)
        .replace(/\$2/g, `'${DATASET_TOPICS.popular}'`),
      [],
    ],
    // The triggers were off for speed (session_replication_role): what they keep is written now, as each
    // migration that added one wrote it for the rows already there (a data set built from scratch has no
    // rows when the migrations run).
    [
      'what triggers keep: posts’ communities, topic feeds, topics’ threads, member counts, directory groups',
      `UPDATE posts p SET community_id = t.community_id FROM threads t WHERE t.id = p.thread_id;
       INSERT INTO topic_feed_posts (topic_id, post_id, created_at)
       SELECT pt.topic_id, p.id, p.created_at FROM post_topics pt JOIN posts p ON p.id = pt.post_id
       UNION
       SELECT pt.topic_id, r.id, r.created_at
         FROM post_topics pt
         JOIN posts op ON op.id = pt.post_id AND op.is_opening
         JOIN posts r ON r.thread_id = op.thread_id
       ON CONFLICT DO NOTHING;
       INSERT INTO thread_topics (topic_id, thread_id, last_activity_at)
       SELECT DISTINCT pt.topic_id, t.id, t.last_activity_at
         FROM post_topics pt JOIN posts p ON p.id = pt.post_id JOIN threads t ON t.id = p.thread_id
       ON CONFLICT DO NOTHING;
       INSERT INTO community_member_counts (community_id, members)
       SELECT c.id, agora_counting_members(c.id) FROM communities c
       ON CONFLICT (community_id) DO UPDATE SET members = EXCLUDED.members;
       INSERT INTO community_directory_groups (audience, visibility, owner_organization_id, communities)
       SELECT c.audience, c.visibility, c.owner_organization_id, count(*)::int FROM communities c GROUP BY 1, 2, 3
       ON CONFLICT (audience, visibility, owner_organization_id) DO UPDATE SET communities = EXCLUDED.communities;
       INSERT INTO balance_changes (day)
       SELECT (created_at AT TIME ZONE 'UTC')::date FROM posts
       UNION SELECT (created_at AT TIME ZONE 'UTC')::date FROM policy_decisions`,
      [],
    ],
    ['triggers back on', 'SET session_replication_role = origin', []],
    ['search vectors of every post', `UPDATE posts SET language = 'es'`, []],
    [
      'people and communities folded for search',
      'UPDATE users SET display_name = display_name; UPDATE communities SET name = name',
      [],
    ],
  ];
}

/**
 * A session for `handle` written straight into the database (as the browser tests' login fixture does):
 * the Cookie header that carries it. Sessions of earlier runs are ended first.
 */
export async function datasetSession(url: string, handle: string, cookieName = 'session'): Promise<string> {
  const token = randomBytes(20).toString('hex');
  const id = createHash('sha256').update(token).digest('hex');
  await withClient(url, async (client) => {
    const user = await client.query('SELECT id FROM users WHERE handle = $1', [handle]);
    const userId = user.rows[0]?.id;
    if (!userId) throw new Error(`no person ${handle} in ${url}`);
    await client.query(`DELETE FROM sessions WHERE user_id = $1 AND user_agent = 'bench'`, [userId]);
    await client.query(
      `INSERT INTO sessions (id, user_id, expires_at, created_at, user_agent, ip_address)
       VALUES ($1, $2, now() + interval '1 day', now(), 'bench', '127.0.0.1')`,
      [id, userId],
    );
  });
  return `${cookieName}=${token}`;
}

/** A keyset cursor `fraction` of the way down the big community's thread list (as thread-lists.ts encodes it). */
export async function deepCursor(url: string, fraction: number): Promise<string> {
  return withClient(url, async (client) => {
    const rows = await client.query(
      `SELECT t.pinned, t.last_activity_at, t.id FROM threads t JOIN communities c ON c.id = t.community_id
        WHERE c.slug = $1 AND NOT t.restricted
        ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC
       OFFSET (SELECT floor(count(*) * $2::float8) FROM threads t2 JOIN communities c2 ON c2.id = t2.community_id WHERE c2.slug = $1)
        LIMIT 1`,
      [BIG_COMMUNITY_SLUG, fraction],
    );
    const row = rows.rows[0];
    if (!row) throw new Error('the big community has no threads');
    return Buffer.from(
      JSON.stringify([row.pinned ? 1 : 0, new Date(row.last_activity_at).toISOString(), row.id]),
    ).toString('base64url');
  });
}

/** An opening thread of the big community with its replies (for the thread page). */
export async function datasetThreadPath(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const rows = await client.query(
      `SELECT t.id FROM threads t JOIN communities c ON c.id = t.community_id
        WHERE c.slug = $1 AND t.title <> $2 ORDER BY t.reply_count DESC, t.id LIMIT 1`,
      [BIG_COMMUNITY_SLUG, LONG_THREAD_TITLE],
    );
    return `/c/${BIG_COMMUNITY_SLUG}/threads/${rows.rows[0]?.id}`;
  });
}

/** The big community's thread of LONG_THREAD_REPLIES replies. */
export async function longThreadPath(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const rows = await client.query('SELECT id FROM threads WHERE title = $1', [LONG_THREAD_TITLE]);
    if (!rows.rows[0]) throw new Error('no long thread in the data set');
    return `/c/${BIG_COMMUNITY_SLUG}/threads/${rows.rows[0].id}`;
  });
}
