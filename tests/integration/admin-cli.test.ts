import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPassword, verifyPassword } from '../../src/accounts/password.js';
import { createDb, type Db } from '../../src/db/client.js';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import { projectRoot } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';

// `npm run admin -- create …`: the built CLI in a process of its own, on this file's database.

const adminJs = path.join(projectRoot, 'dist/src/cli/admin.js');
const unique = () => randomBytes(4).toString('hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], options: { stdin?: string; databaseUrl?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [adminJs, ...args], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: options.databaseUrl ?? database.url,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The password line of a run's output. */
const printedPassword = (stdout: string) => /^Password \(shown only this once\): (.+)$/m.exec(stdout)?.[1];

let database: TestDatabase;
let db: Db;
let organization: Awaited<ReturnType<typeof createOrganization>>;

beforeAll(async () => {
  // dist/ is built by the global setup.
  database = await createTestDatabase();
  db = createDb(database.url, 2);
  organization = await createOrganization(db, { name: 'Diputación de la Consola' });
}, 120_000);

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe('npm run admin -- create', () => {
  it('creates a verified admin, employee of the organization with their domain, and prints a password that signs in', async () => {
    const handle = `consola-${unique()}`;
    const email = `${handle}@${organization.emailDomains[0]}`;
    const run = await runCli(['create', '--email', email, '--name', 'Carmen Consola', '--handle', handle]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Created the administrator @${handle} <${email}>, an employee of Diputación de la Consola.`,
    );
    const password = printedPassword(run.stdout) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(checkPassword(password, { email, handle, displayName: 'Carmen Consola' })).toBeNull();

    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({
      role: 'ADMIN',
      status: 'ACTIVE',
      kind: 'EMPLOYEE',
      organizationId: organization.id,
      handle,
      displayName: 'Carmen Consola',
    });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await verifyPassword(user.passwordHash, password)).toBe(true);
    // Printed once: nowhere else, not in the audit log.
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: 'admin.user_create', targetId: user.id } });
    expect(entry).toMatchObject({ actorId: null, outcome: 'SUCCESS', details: { via: 'cli' } });
    expect(JSON.stringify(entry.details)).not.toContain(password);

    // Two runs never print the same password.
    const other = await runCli([
      'create',
      '--email',
      `otra-${handle}@consola.example`,
      '--name',
      'Otra',
      '--handle',
      `otra-${handle}`,
    ]);
    expect(printedPassword(other.stdout)).not.toBe(password);
  });

  it('makes a citizen account when no organization has the domain', async () => {
    const handle = `vecina-${unique()}`;
    const email = `${handle}@correo-personal.example`;
    const run = await runCli(['create', '--email', email, '--name', 'Vecina Admin', '--handle', handle]);
    expect(run.code).toBe(0);
    expect(await db.user.findUniqueOrThrow({ where: { email } })).toMatchObject({
      kind: 'CITIZEN',
      organizationId: null,
      role: 'ADMIN',
    });
  });

  it('promotes an existing account, which keeps its password, and verifies it', async () => {
    const existing = await createUser(db, { verified: false, organizationId: organization.id });
    const run = await runCli([
      'create',
      '--email',
      existing.email.toUpperCase(),
      '--name',
      'Ignorado',
      '--handle',
      `ignorado-${unique()}`,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`The account @${existing.handle}`);
    expect(printedPassword(run.stdout)).toBeUndefined();
    const user = await db.user.findUniqueOrThrow({ where: { id: existing.id } });
    expect(user).toMatchObject({ role: 'ADMIN', handle: existing.handle, displayName: existing.displayName });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await verifyPassword(user.passwordHash, TEST_PASSWORD)).toBe(true);
    expect(
      await db.auditEntry.findFirst({ where: { action: 'admin.role_grant', targetId: existing.id, actorId: null } }),
    ).toMatchObject({
      details: { via: 'cli' },
    });
  });

  it('--password-stdin takes the first line of stdin, prints no password, and refuses a weak one', async () => {
    const handle = `tuberia-${unique()}`;
    const email = `${handle}@consola.example`;
    const chosen = 'una contraseña elegida con calma';
    const run = await runCli(
      ['create', '--email', email, '--name', 'Tubería', '--handle', handle, '--password-stdin'],
      {
        stdin: `${chosen}\nsegunda línea ignorada\n`,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(printedPassword(run.stdout)).toBeUndefined();
    expect(run.stdout).not.toContain(chosen);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(await verifyPassword(user.passwordHash, chosen)).toBe(true);

    const weakHandle = `debil-${unique()}`;
    const weak = await runCli(
      [
        'create',
        '--email',
        `${weakHandle}@consola.example`,
        '--name',
        'Débil',
        '--handle',
        weakHandle,
        '--password-stdin',
      ],
      {
        stdin: 'corta\n',
      },
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim().split('\n')).toHaveLength(1);
    expect(weak.stderr).toContain('at least 12 characters');
    expect(await db.user.count({ where: { handle: weakHandle } })).toBe(0);
  });

  it('bad arguments print the usage and exit with 2, touching nothing', async () => {
    const handle = `mal-${unique()}`;
    const cases: Array<[string[], RegExp]> = [
      [[], /Missing the command/],
      [['delete', '--email', `${handle}@x.example`, '--name', 'X', '--handle', handle], /Unknown command: delete/],
      [['create', '--email', `${handle}@x.example`, '--name', 'X'], /Missing --handle/],
      [['create', '--email', 'no-es-correo', '--name', 'X', '--handle', handle], /--email: Enter a valid e-mail/],
      [['create', '--email', `${handle}@x.example`, '--name', 'X', '--handle', 'Con Espacio'], /--handle: /],
      [
        ['create', '--email', `${handle}@x.example`, '--name', 'X', '--handle', handle, '--role', 'god'],
        /Unknown option '--role'/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Usage: npm run admin -- create --email <e-mail>');
      expect(run.stdout).toBe('');
    }
    expect(await db.user.count({ where: { handle } })).toBe(0);
  });

  it('a taken handle or an unreachable database is one clear line and exit code 1', async () => {
    const existing = await createUser(db);
    const taken = await runCli([
      'create',
      '--email',
      `nuevo-${unique()}@consola.example`,
      '--name',
      'Nuevo',
      '--handle',
      existing.handle,
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(
      `The handle @${existing.handle} is already taken by another account; choose another --handle.`,
    );

    const port = await findFreePort();
    const handle = `sinbase-${unique()}`;
    const down = await runCli(
      ['create', '--email', `${handle}@consola.example`, '--name', 'Sin Base', '--handle', handle],
      {
        databaseUrl: `postgresql://agora:s3cret@127.0.0.1:${port}/agora`,
      },
    );
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain(
      `Could not create the administrator in postgresql://agora:***@127.0.0.1:${port}/agora`,
    );
    expect(down.stderr).not.toContain('s3cret');
  });
});
