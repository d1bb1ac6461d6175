import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { hashPassword } from '../src/accounts/password.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { NOTIFICATION_JOBS } from '../src/notifications/notification-fanout.js';

// Issue 11's benchmark: an announcement in a community of N members, at two sizes in one run.
// - the request that posts it: must not grow with N (it only enqueues);
// - the fan-out: from the job's start until every member's in-app notification exists;
// - e-mail: notifications e-mailed through the job queue to a local SMTP sink, per second.
// The jobs run as a worker runs them (the queue's drain claims them from PostgreSQL); the SMTP sink
// accepts and discards every message.

export const FANOUT_SIZES = [1_000, 10_000] as const;
/** Members of the large community who chose e-mail for announcements: the e-mail rate's sample. */
const EMAIL_SAMPLE = 1_000;
const PASSWORD = 'una frase larga para el banco de pruebas';

export interface FanOutMeasurement {
  readonly members: number;
  /** Milliseconds of the POST that publishes the announcement (median of the tries). */
  readonly requestMs: number;
  /** Milliseconds until every member's notification exists. */
  readonly fanOutMs: number;
  readonly notifications: number;
  /** Process CPU milliseconds spent by the fan-out (this process: Node and the job). */
  readonly fanOutCpuMs: number;
}

export interface NotificationBenchResult {
  readonly fanOut: FanOutMeasurement[];
  readonly email: { readonly sent: number; readonly seconds: number; readonly perSecond: number };
}

function startSink(): Promise<{ server: SMTPServer; port: number; received: () => number }> {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      count += 1;
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, port: (server.server.address() as AddressInfo).port, received: () => count });
    });
  });
}

/** The Cookie header a browser would send after these answers: later cookies win, cleared ones go. */
function cookiesOf(...answers: Array<{ headers: Record<string, unknown> }>): string {
  const jar = new Map<string, string>();
  for (const answer of answers) {
    const set = answer.headers['set-cookie'];
    for (const cookie of Array.isArray(set) ? set : set ? [String(set)] : []) {
      const [pair = ''] = String(cookie).split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /max-age=0/i.test(String(cookie))) jar.delete(name);
      else jar.set(name, value);
    }
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Runs the fan-out benchmark on the database at `databaseUrl` (already migrated); progress via `say`. */
export async function benchNotifications(
  databaseUrl: string,
  say: (line: string) => void,
): Promise<NotificationBenchResult> {
  const sink = await startSink();
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    DATABASE_URL: databaseUrl,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    JOB_WORKERS: 'none',
  });
  const db = createDb(databaseUrl, 10);
  const app = await buildApp({ config, db, databaseUrl, logger: { level: 'error' } });
  try {
    const passwordHash = await hashPassword(PASSWORD);
    const org = await db.organization.create({
      data: {
        name: 'Consorcio del Banco de Pruebas',
        slug: `banco-avisos-${randomBytes(3).toString('hex')}`,
        kind: 'MUNICIPALITY',
        emailDomains: [`avisos-${randomBytes(3).toString('hex')}.example`],
      },
    });
    const domain = org.emailDomains[0] ?? 'avisos.example';
    const owner = await db.user.create({
      data: {
        email: `propietaria@${domain}`,
        handle: `prop-${randomBytes(3).toString('hex')}`,
        displayName: 'Propietaria del banco',
        passwordHash,
        kind: 'EMPLOYEE',
        organizationId: org.id,
        emailVerifiedAt: new Date(),
      },
    });
    // Sign in through the form, as a person does.
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const signIn = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: cookiesOf(form) },
      payload: { _csrf: csrf, email: owner.email, password: PASSWORD },
    });
    const session = cookiesOf(form, signIn);
    if (signIn.statusCode !== 303 || !session.includes('session=')) {
      throw new Error(`signing in for the bench answered ${signIn.statusCode}`);
    }

    const fanOut: FanOutMeasurement[] = [];
    let emailCommunity = '';
    for (const members of FANOUT_SIZES) {
      const slug = `avisos-${members}-${randomBytes(3).toString('hex')}`;
      say(`  a community of ${members} members…`);
      const community = await db.community.create({
        data: {
          slug,
          name: `Avisos a ${members}`,
          description: '',
          audience: 'INTERNAL',
          visibility: 'PRIVATE',
          ownerOrganizationId: org.id,
          createdById: owner.id,
          memberships: { create: { userId: owner.id, role: 'OWNER', state: 'ACTIVE' } },
        },
      });
      await db.$executeRaw`
        INSERT INTO users (id, email, email_verified_at, password_hash, kind, handle, display_name, organization_id, updated_at)
        SELECT gen_random_uuid(), ${slug} || '-' || n || '@' || ${domain}, now(), ${passwordHash}, 'EMPLOYEE',
               ${slug} || '-' || n, 'Miembro ' || n, ${org.id}::uuid, now()
        FROM generate_series(1, ${members}::int) AS n`;
      await db.$executeRaw`
        INSERT INTO memberships (community_id, user_id, role, state, updated_at)
        SELECT ${community.id}::uuid, id, 'MEMBER', 'ACTIVE', now() FROM users WHERE handle LIKE ${`${slug}-%`}`;
      if (members === FANOUT_SIZES[FANOUT_SIZES.length - 1]) emailCommunity = slug;

      const requestTimes: number[] = [];
      let fanOutMs = 0;
      let fanOutCpuMs = 0;
      let notifications = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const page = await app.inject({ method: 'GET', url: `/c/${slug}/threads/new`, headers: { cookie: session } });
        const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
        const key = /name="submissionKey" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
        const t0 = performance.now();
        const posted = await app.inject({
          method: 'POST',
          url: `/c/${slug}/threads`,
          headers: { cookie: cookiesOf(form, signIn, page) },
          payload: {
            _csrf: token,
            submissionKey: key,
            title: `Cierre del registro general (${attempt + 1})`,
            kind: 'ANNOUNCEMENT',
            body: 'El registro general permanecerá cerrado el 8 de diciembre por la festividad de la Inmaculada.',
            tag: 'PROFESSIONAL',
          },
        });
        requestTimes.push(performance.now() - t0);
        if (posted.statusCode !== 303) {
          const title = /<title>([^<]*)<\/title>/.exec(posted.body)?.[1] ?? '';
          const text = posted.body
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 600);
          throw new Error(`posting the announcement answered ${posted.statusCode} (${title}): ${text}`);
        }
        const cpu = process.cpuUsage();
        const f0 = performance.now();
        await app.jobs.queue.drain();
        fanOutMs = performance.now() - f0;
        const used = process.cpuUsage(cpu);
        fanOutCpuMs = (used.user + used.system) / 1000;
        notifications = await db.notification.count({
          where: { community: { slug }, kind: 'ANNOUNCEMENT', dedupeKey: { startsWith: 'post:' } },
        });
      }
      fanOut.push({
        members,
        requestMs: median(requestTimes),
        fanOutMs,
        notifications: Math.round(notifications / 3),
        fanOutCpuMs,
      });
    }

    // E-mail: a sample of the large community chose e-mail for announcements and has been away.
    say(`  e-mail to ${EMAIL_SAMPLE} members…`);
    const sample = await db.user.findMany({
      where: { handle: { startsWith: `${emailCommunity}-` } },
      select: { id: true },
      take: EMAIL_SAMPLE,
    });
    await db.notificationPreference.createMany({
      data: sample.map(({ id }) => ({ userId: id, kind: 'ANNOUNCEMENT' as const, delivery: 'EMAIL' as const })),
      skipDuplicates: true,
    });
    const latest = await db.notification.findMany({
      where: { recipientId: { in: sample.map(({ id }) => id) }, kind: 'ANNOUNCEMENT' },
      orderBy: { notifiedAt: 'desc' },
      distinct: ['recipientId'],
      select: { id: true },
    });
    const before = sink.received();
    await app.jobs.queue.sendMany(
      NOTIFICATION_JOBS.email,
      latest.map(({ id }) => ({ data: { notificationId: id } })),
    );
    const e0 = performance.now();
    await app.jobs.queue.drain();
    const seconds = (performance.now() - e0) / 1000;
    const sent = sink.received() - before;
    const claimed = await db.notification.count({
      where: { id: { in: latest.map(({ id }) => id) }, emailedAt: { not: null } },
    });
    say(`  ${latest.length} e-mail jobs: ${claimed} e-mails claimed, ${sent} received by the SMTP sink`);
    return { fanOut, email: { sent, seconds, perSecond: sent / seconds } };
  } finally {
    await app.close();
    await new Promise<void>((resolve) => sink.server.close(() => resolve()));
  }
}

/** The result as lines for the terminal. */
export function renderNotificationBench(result: NotificationBenchResult): string {
  const lines = [
    'Announcement fan-out (issue 11): members | POST ms (median of 3) | fan-out ms | fan-out CPU ms | notifications',
    ...result.fanOut.map(
      (row) =>
        `  ${String(row.members).padStart(6)} | ${row.requestMs.toFixed(1).padStart(8)} | ${row.fanOutMs.toFixed(0).padStart(8)} | ${row.fanOutCpuMs.toFixed(0).padStart(8)} | ${row.notifications}`,
    ),
    `E-mail: ${result.email.sent} notifications e-mailed to a local SMTP sink in ${result.email.seconds.toFixed(1)} s = ${result.email.perSecond.toFixed(0)} per second`,
  ];
  return lines.join('\n');
}
