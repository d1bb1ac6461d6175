import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMembership, createCommunity, createOrganization, createUser } from '../support/factories.js';
import { signInAs } from '../support/forms.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { threadTestKit } from '../support/threads.js';

// The queue's workers as they run for real: in the web process (JOB_WORKERS=in-process, `npm start`), and
// in a process of their own (`npm run worker`, the compose file's `worker` service) beside a web process
// that only enqueues (JOB_WORKERS=none). Nobody drains the queue here: pg-boss's workers poll it.

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
});
afterAll(async () => {
  await smtp?.close();
});

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function mentionScenario(t: TestApp) {
  const org = await createOrganization(t.db);
  const home = { id: org.id };
  const kit = threadTestKit(
    () => t,
    () => home,
  );
  const writer = await createUser(t.db, { organizationId: org.id });
  const reader = await createUser(t.db, { organizationId: org.id });
  const c = await createCommunity(t.db, { organizationId: org.id, ownerId: writer.id });
  await addMembership(t.db, c.id, reader.id);
  await t.db.user.update({ where: { id: reader.id }, data: { lastSeenAt: new Date(Date.now() - 3_600_000) } });
  const cookie = await signInAs(t.app, writer.email);
  await kit.openThread(c.slug, cookie, { body: `@${reader.handle}, ¿lo revisas?` });
  return reader;
}

describe('workers', () => {
  it('in the web process (JOB_WORKERS=in-process) tell people without anyone draining the queue', async () => {
    const t = await createTestApp({
      JOB_WORKERS: 'in-process',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
    });
    try {
      await t.app.ready();
      const reader = await mentionScenario(t);
      const notification = await eventually('the notification', () =>
        t.db.notification.findFirst({ where: { recipientId: reader.id, kind: 'MENTION' } }),
      );
      expect(notification.kind).toBe('MENTION');
      await smtp.waitForMessage((message) => message.to.includes(reader.email), 30_000);
    } finally {
      await t.close();
    }
  });

  it('in `npm run worker`, a process of its own, beside a web process that only enqueues', async () => {
    const t = await createTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
    let worker: ChildProcess | null = null;
    try {
      worker = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker.js')], {
        cwd: projectRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: t.database.url,
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          ATTACHMENTS_DIR: t.config.attachments.dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      worker.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      worker.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      await eventually('the worker to start', async () => output.includes('is running the job queues'));
      const reader = await mentionScenario(t);
      await eventually('the notification', () =>
        t.db.notification.findFirst({ where: { recipientId: reader.id, kind: 'MENTION' } }),
      );
      const mail = await smtp.waitForMessage((message) => message.to.includes(reader.email), 30_000);
      expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      const exited = new Promise<number | null>((resolve) => worker?.on('exit', resolve));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('Stopping the worker');
    } finally {
      if (worker && worker.exitCode === null) worker.kill('SIGKILL');
      await t.close();
    }
  });

  it('`npm run worker` refuses to start without a database server, saying why', async () => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker.js')], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('The worker needs DATABASE_URL');
  });
});
