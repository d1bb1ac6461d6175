import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionToken } from '../../src/accounts/session-adapter.js';
import { PREPARED_STATEMENT } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { signInAs } from '../support/forms.js';

// Every signed-in request reads its session: one SQL statement (the session, its person and the
// person's organization together), and a second only when the idle expiry is due to slide.

let t: TestApp;
const statements: string[] = [];
let counting = false;

beforeAll(async () => {
  t = await createTestApp({}, { onQuery: (sql) => counting && statements.push(sql) });
});
afterAll(async () => {
  await t.close();
});

async function statementsOf(cookie: string, url: string) {
  statements.length = 0;
  counting = true;
  try {
    const response = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    return { response, sql: [...statements] };
  } finally {
    counting = false;
  }
}

/** A statement reading or writing sessions, or reading people or organizations by themselves. */
const sessionWork = (sql: string) => /\bsessions\b/.test(sql) || /FROM "public"\."(users|organizations)"/.test(sql);

describe('the session of a signed-in request', () => {
  it('costs one SQL statement: the session with its person and organization', async () => {
    const org = await createOrganization(t.db, { kind: 'PROVINCE' });
    const user = await createUser(t.db, { organizationId: org.id });
    const cookie = await signInAs(t.app, user.email);
    // /healthz runs every hook a page does but reads nothing itself.
    const { response, sql } = await statementsOf(cookie, '/healthz');
    expect(response.statusCode).toBe(200);
    const work = sql.filter(sessionWork);
    expect(work, work.join('\n---\n')).toHaveLength(1);
    expect(work[0]).toMatch(/FROM sessions s\s+JOIN users u/);
    // Kept prepared on each connection (db/client.ts): every signed-in request runs it.
    expect(work[0]?.startsWith(PREPARED_STATEMENT)).toBe(true);

    // A page: still one statement about the session and its person.
    const page = await statementsOf(cookie, '/communities');
    expect(page.response.statusCode).toBe(200);
    expect(page.sql.filter((q) => /\bsessions\b/.test(q))).toHaveLength(1);
    expect(page.response.body).toContain(user.displayName);
  });

  it('writes the expiry only when it is due to slide, and answers with the person as before', async () => {
    const user = await createUser(t.db, { organizationId: null, kind: 'CITIZEN' });
    const cookie = await signInAs(t.app, user.email);
    const token = cookie.replace(/^session=/, '');
    const idleMs = t.config.sessions.idleMs;
    // Less than half the idle time left: Lucia slides it forward.
    await t.db.session.update({
      where: { id: hashSessionToken(token) },
      data: { expiresAt: new Date(Date.now() + idleMs / 4) },
    });
    const due = await statementsOf(cookie, '/healthz');
    const work = due.sql.filter(sessionWork);
    expect(work).toHaveLength(2);
    expect(work[1]).toMatch(/UPDATE .*sessions/s);
    expect(due.response.cookies.find((c) => c.name === 'session')?.value).toBe(token);

    const after = await statementsOf(cookie, '/healthz');
    expect(after.sql.filter(sessionWork)).toHaveLength(1);
    const row = await t.db.session.findUniqueOrThrow({ where: { id: hashSessionToken(token) } });
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + idleMs / 2);
  });

  it('signs out a suspended person and an unknown token, as before', async () => {
    const user = await createUser(t.db);
    const cookie = await signInAs(t.app, user.email);
    await t.db.user.update({ where: { id: user.id }, data: { status: 'SUSPENDED' } });
    const suspended = await t.app.inject({ method: 'GET', url: '/account/sessions', headers: { cookie } });
    expect(suspended.statusCode).toBe(303);
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/account/sessions',
      headers: { cookie: 'session=nope.nope' },
    });
    expect(unknown.statusCode).toBe(303);
  });
});
