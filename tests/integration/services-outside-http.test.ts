import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountsService } from '../../src/accounts/accounts.service.js';
import { createAuth, type Viewer } from '../../src/accounts/auth.js';
import { createSignInThrottle } from '../../src/accounts/sign-in-throttle.js';
import { createAdminService } from '../../src/admin/admin.service.js';
import { createAuditLog } from '../../src/audit/audit.service.js';
import { commandAuditContext, systemAuditContext } from '../../src/audit/audit-context.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/client.js';
import { createMailer } from '../../src/email/mailer.js';
import { createBackgroundTasks } from '../../src/jobs/background-tasks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createUser } from '../support/factories.js';

// A service is called from a route, a job or a command alike (docs/decisions/009): here without an app,
// an HTTP request or anything that looks like one, each with the audit context a command or a job
// builds for itself, and the audit log records that context.

let database: TestDatabase;
let db: Db;
let config: Config;
let outbox: string;
/** What the services and the mailer logged as errors: nothing, if all went well. */
const loggedErrors: object[] = [];
const log = {
  info() {},
  error(obj: object) {
    loggedErrors.push(obj);
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, 2);
  outbox = await mkdtemp(path.join(tmpdir(), 'agora-outbox-'));
  config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, MAIL_OUTBOX_DIR: outbox });
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
  await rm(outbox, { recursive: true, force: true });
});

/** A site admin as a command that looked them up by e-mail would have them: no session, no request. */
function adminAsCommand(user: Awaited<ReturnType<typeof createUser>>): Viewer {
  return {
    id: user.id,
    handle: user.handle,
    displayName: user.displayName,
    email: user.email,
    kind: user.kind,
    role: user.role,
    locale: user.locale,
    timeZone: user.timeZone,
    emailVerified: user.emailVerifiedAt !== null,
    organizationId: user.organizationId,
    organizationIsAdministration: false,
    sessionId: '',
  };
}

describe('services called outside HTTP', () => {
  it('an admin suspends an account from a command: the entry names the admin, with no request or address', async () => {
    const admin = await createUser(db, { role: 'ADMIN' });
    const person = await createUser(db);
    const audit = createAuditLog({ db });
    const auth = createAuth({ db, config });
    const service = createAdminService({ db, config, auth, audit, mailer: createMailer(config.mail, log), log });

    const changed = await service.setUserStatus(
      adminAsCommand(admin),
      person.id,
      'SUSPENDED',
      commandAuditContext(admin.id),
    );

    expect(changed).toBe(true);
    expect((await db.user.findUniqueOrThrow({ where: { id: person.id } })).status).toBe('SUSPENDED');
    const entries = await db.auditEntry.findMany({ where: { targetId: person.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'admin.user_suspend',
      outcome: 'SUCCESS',
      actorId: admin.id,
      targetType: 'user',
      requestId: null,
      ipAddress: null,
    });
    expect(loggedErrors).toEqual([]);
  });

  it('a job asks for a password reset as the system: its work waits for the job to release it, then is recorded with no actor', async () => {
    const person = await createUser(db, { locale: null });
    const audit = createAuditLog({ db });
    const tasks = createBackgroundTasks(log);
    const accounts = createAccountsService({
      db,
      config,
      auth: createAuth({ db, config }),
      mailer: createMailer(config.mail, log),
      audit,
      throttle: createSignInThrottle({ db }),
      tasks,
      log,
    });
    const context = systemAuditContext();

    await accounts.requestPasswordReset(person.email, 'ca', context);
    // Held under the job's context, as a route's work is held under its request's until the answer is sent.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await db.auditEntry.count({ where: { targetId: person.id } })).toBe(0);

    tasks.release(context);
    await tasks.drain();

    const entries = await db.auditEntry.findMany({ where: { targetId: person.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'account.password_reset_request',
      outcome: 'SUCCESS',
      actorId: null,
      requestId: null,
      ipAddress: null,
    });
    // The e-mail went out, in the language the job asked for (the account has none of its own).
    const files = await readdir(outbox);
    const sent = await Promise.all(files.map((file) => readFile(path.join(outbox, file), 'utf8')));
    const mine = sent.filter((message) => message.includes(person.email));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(/^Content-Language: ca$/m);
    expect(loggedErrors).toEqual([]);
  });
});
