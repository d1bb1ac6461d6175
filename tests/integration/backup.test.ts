import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupManifest, createBackup } from '../../src/backup/backup.js';
import { RestoreRefused, restoreBackup } from '../../src/backup/restore.js';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { migrationsDir } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createEmptyDatabase, type TestDatabase } from '../support/database.js';
import { createOrganization } from '../support/factories.js';
import { submitMultipart } from '../support/forms.js';
import { QUESTION_TEXT, threadTestKit } from '../support/threads.js';

// A populated instance is backed up, restored into a new empty database and folder, and compared:
// every table's rows (an md5 of its ordered rows, computed by PostgreSQL) and every file's sha256.

let t: TestApp;
let work: string;
let archive: string;
let manifest: BackupManifest;
const cleanups: (() => Promise<void>)[] = [];

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** table → md5 of its rows in a fixed order (the migration history aside: it records when it ran). */
async function tableDigests(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    );
    const digests: Record<string, string> = {};
    for (const { name } of tables) {
      const table = client.escapeIdentifier(name);
      const { rows } = await client.query<{ digest: string; count: number }>(
        `SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) AS digest, count(*)::int AS count FROM ${table} r`,
      );
      digests[name] = `${rows[0]?.count}:${rows[0]?.digest}`;
    }
    return digests;
  });
}

async function fileDigests(dir: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    digests[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return digests;
}

async function emptyTarget(): Promise<{ database: TestDatabase; attachmentsDir: string }> {
  const database = await createEmptyDatabase();
  const attachmentsDir = path.join(work, `restored-${Math.random().toString(36).slice(2)}`);
  cleanups.push(() => database.drop());
  return { database, attachmentsDir };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'agora-backup-test-'));
  t = await createTestApp();
  await seedDemoData(t.db);
  const home = await createOrganization(t.db);
  const kit = threadTestKit(
    () => t,
    () => home,
  );
  const { c, member } = await kit.community();
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const posted = await submitMultipart(
    t.app,
    `/c/${c.slug}/threads`,
    { title: 'Con un adjunto', kind: 'DISCUSSION', body: QUESTION_TEXT, tag: 'PROFESSIONAL' },
    [
      { field: 'files', name: 'plano.png', bytes: png, type: 'image/png' },
      { field: 'files', name: 'informe.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n'), type: 'application/pdf' },
    ],
    { cookie: member.cookie, formUrl: `/c/${c.slug}/threads/new` },
  );
  expect(posted.statusCode, posted.body.slice(0, 500)).toBe(303);
  ({ archive, manifest } = await createBackup({
    databaseUrl: t.database.url,
    attachmentsDir: t.config.attachments.dir,
    outputDir: path.join(work, 'backups'),
    now: new Date('2026-11-30T10:20:30.456Z'),
  }));
}, 120_000);
afterAll(async () => {
  await t?.close();
  for (const cleanup of cleanups) await cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('npm run backup', () => {
  it('writes one archive named by its date, with a manifest of versions and checksums', async () => {
    expect(path.basename(archive)).toBe('agora-backup-2026-11-30T10-20-30Z.tar.gz');
    expect(await readdir(path.dirname(archive))).toEqual([path.basename(archive)]);
    const known = (await readdir(migrationsDir)).filter((name) => name !== 'migration_lock.toml').sort();
    expect(manifest.migrations).toEqual(known);
    expect(manifest.agoraVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.tables.find((table) => table.name === 'users')?.rows).toBeGreaterThan(5);
    expect(manifest.files).toHaveLength(2);
    expect(manifest.files[0]).toMatchObject({
      path: expect.stringMatching(/^attachments\/[0-9a-f]{2}\/[0-9a-f]{2}\//),
    });
    expect(manifest.missingFiles).toEqual([]);
  });
});

describe('npm run restore', () => {
  it('restores every row and every file into an empty database and folder', async () => {
    const target = await emptyTarget();
    await restoreBackup({ archive, databaseUrl: target.database.url, attachmentsDir: target.attachmentsDir });
    const [before, after] = [await tableDigests(t.database.url), await tableDigests(target.database.url)];
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after).toEqual(before);
    expect(await fileDigests(target.attachmentsDir)).toEqual(await fileDigests(t.config.attachments.dir));
    expect(Object.keys(await fileDigests(target.attachmentsDir))).toHaveLength(2);
  }, 120_000);

  it('refuses a truncated archive before changing anything', async () => {
    const cut = path.join(work, 'truncated.tar.gz');
    await cp(archive, cut);
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    const target = await emptyTarget();
    await expect(
      restoreBackup({ archive: cut, databaseUrl: target.database.url, attachmentsDir: target.attachmentsDir }),
    ).rejects.toThrow(/damaged or incomplete/);
    expect(await tableDigests(target.database.url)).toEqual({});
    await expect(stat(target.attachmentsDir)).rejects.toThrow();
  });

  /** The archive unpacked, changed by `change`, and packed again. */
  async function alteredArchive(
    name: string,
    change: (dir: string, manifest: BackupManifest) => Promise<BackupManifest>,
  ) {
    const dir = path.join(work, `${name}-dir`);
    await mkdir(dir);
    await tar.extract({ file: archive, cwd: dir });
    const original = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(await change(dir, original)));
    const file = path.join(work, `${name}.tar.gz`);
    await tar.create({ gzip: true, file, cwd: dir }, await readdir(dir));
    return file;
  }

  it('refuses an archive whose contents do not match their checksums', async () => {
    const damaged = await alteredArchive('damaged', async (dir, original) => {
      await writeFile(path.join(dir, 'database', 'users.copy'), 'not the rows\n', { flag: 'a' });
      return original;
    });
    const target = await emptyTarget();
    await expect(
      restoreBackup({ archive: damaged, databaseUrl: target.database.url, attachmentsDir: target.attachmentsDir }),
    ).rejects.toThrow(/database\/users\.copy does not match its checksum/);
    expect(await tableDigests(target.database.url)).toEqual({});
  });

  it('refuses an archive from a newer schema (a migration this code does not know)', async () => {
    const newer = await alteredArchive('newer', async (_dir, original) => ({
      ...original,
      agoraVersion: '9.0.0',
      migrations: [...original.migrations, '20991231000000_from_the_future'],
    }));
    const target = await emptyTarget();
    const refused = restoreBackup({
      archive: newer,
      databaseUrl: target.database.url,
      attachmentsDir: target.attachmentsDir,
    });
    await expect(refused).rejects.toThrow(RestoreRefused);
    await expect(refused).rejects.toThrow(/newer Ágora \(9\.0\.0\).*20991231000000_from_the_future/);
    expect(await tableDigests(target.database.url)).toEqual({});
  });

  it('refuses a database or a folder that is not empty', async () => {
    await expect(
      restoreBackup({ archive, databaseUrl: t.database.url, attachmentsDir: path.join(work, 'unused') }),
    ).rejects.toThrow(/database is not empty/);
    const target = await emptyTarget();
    await mkdir(target.attachmentsDir, { recursive: true });
    await writeFile(path.join(target.attachmentsDir, 'something'), 'x');
    await expect(
      restoreBackup({ archive, databaseUrl: target.database.url, attachmentsDir: target.attachmentsDir }),
    ).rejects.toThrow(/attachments folder .* is not empty/);
    expect(await tableDigests(target.database.url)).toEqual({});
  });
});
