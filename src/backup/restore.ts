import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import * as tar from 'tar';
import { applyMigrations } from '../db/migrate.js';
import { migrationsDir as defaultMigrationsDir } from '../paths.js';
import { BACKUP_FORMAT, type BackupManifest, knownMigrations, sha256File } from './backup.js';

// `npm run restore -- <archive>`: puts a backup of backup.ts into an EMPTY database and an EMPTY
// attachments folder. Everything that can be checked is checked before anything is changed: the
// archive reads to its end, every file matches its checksum in the manifest, every migration it was
// taken at is one this code knows, and both targets are empty. Then: the archive's migrations, its rows
// (one transaction), its files, and the migrations this code has beyond it.

/** A restore that was refused before anything was changed; the message says why, for IT. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

export interface RestoreOptions {
  readonly archive: string;
  readonly databaseUrl: string;
  readonly attachmentsDir: string;
  readonly migrationsDir?: string;
  readonly log?: (line: string) => void;
}

async function extract(archive: string, into: string): Promise<void> {
  try {
    await stat(archive);
  } catch {
    throw new RestoreRefused(`There is no archive at ${archive}.`);
  }
  try {
    // Read to the end first, writing nothing: a damaged or cut-short archive (strict: an error, not a
    // warning) is found before a file is unpacked. Paths outside `into` are refused by extract.
    await tar.list({ file: archive, strict: true });
    await tar.extract({ file: archive, cwd: into, strict: true });
  } catch (error) {
    throw new RestoreRefused(
      `The archive is damaged or incomplete (${(error as Error).message}); nothing was restored. Use another copy.`,
    );
  }
}

async function readManifest(staging: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(staging, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    throw new RestoreRefused('The archive has no readable manifest.json: it is not an Ágora backup, or it is damaged.');
  }
  if (manifest.format !== BACKUP_FORMAT) {
    throw new RestoreRefused(
      `The archive is of backup format ${manifest.format}; this Ágora reads format ${BACKUP_FORMAT}.`,
    );
  }
  return manifest;
}

/** Every file the manifest lists is there with its checksum. */
async function verifyChecksums(staging: string, manifest: BackupManifest): Promise<void> {
  const listed = [
    ...manifest.tables.map((table) => ({ path: table.file, sha256: table.sha256 })),
    ...manifest.files.map((file) => ({ path: file.path, sha256: file.sha256 })),
  ];
  for (const entry of listed) {
    const file = path.join(staging, entry.path);
    if (path.relative(staging, file).startsWith('..'))
      throw new RestoreRefused(`The manifest names a path outside the archive: ${entry.path}`);
    let actual: string;
    try {
      actual = await sha256File(file);
    } catch {
      throw new RestoreRefused(`The archive is incomplete: ${entry.path} is missing; nothing was restored.`);
    }
    if (actual !== entry.sha256) {
      throw new RestoreRefused(
        `The archive is damaged: ${entry.path} does not match its checksum; nothing was restored.`,
      );
    }
  }
}

async function isEmptyFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** A folder holding only the archive's migrations, for the schema the rows were taken from. */
async function migrationsAsOf(staging: string, sourceDir: string, names: readonly string[]): Promise<string> {
  const dir = path.join(staging, '.migrations');
  await mkdir(dir);
  await cp(path.join(sourceDir, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  for (const name of names) await cp(path.join(sourceDir, name), path.join(dir, name), { recursive: true });
  return dir;
}

/** Loads the rows in one transaction: foreign keys dropped and added back (checked then), sequences set. */
async function loadRows(client: pg.Client, staging: string, manifest: BackupManifest): Promise<void> {
  const id = (name: string) => client.escapeIdentifier(name);
  await client.query('BEGIN');
  try {
    const { rows: foreignKeys } = await client.query<{ table: string; name: string; definition: string }>(`
      SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public'`);
    for (const key of foreignKeys) await client.query(`ALTER TABLE ${id(key.table)} DROP CONSTRAINT ${id(key.name)}`);
    for (const table of manifest.tables) {
      // Triggers of our own would stamp the rows anew (updated_at…): the archive's values stand.
      await client.query(`ALTER TABLE ${id(table.name)} DISABLE TRIGGER USER`);
      // The rows a migration put there (page_epoch's one row, say) are the archive's to give: a table holds
      // what the archive holds, and a seeded row copied again would break its primary key.
      await client.query(`DELETE FROM ${id(table.name)}`);
      const columns = table.columns.map(id).join(', ');
      const stream = client.query(copyFrom(`COPY ${id(table.name)} (${columns}) FROM STDIN`));
      await pipeline(createReadStream(path.join(staging, table.file)), stream);
      await client.query(`ALTER TABLE ${id(table.name)} ENABLE TRIGGER USER`);
    }
    for (const key of foreignKeys) {
      await client.query(`ALTER TABLE ${id(key.table)} ADD CONSTRAINT ${id(key.name)} ${key.definition}`);
    }
    const { rows: sequences } = await client.query<{ sequence: string; table: string; column: string }>(`
      SELECT s.relname AS sequence, t.relname AS table, a.attname AS column
      FROM pg_class s
      JOIN pg_namespace n ON n.oid = s.relnamespace
      JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND n.nspname = 'public'`);
    for (const sequence of sequences) {
      await client.query(
        `SELECT setval($1::regclass, COALESCE((SELECT max(${id(sequence.column)}) FROM ${id(sequence.table)}), 0) + 1, false)`,
        [id(sequence.sequence)],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Restores `archive` into the empty database at `databaseUrl` and the empty `attachmentsDir`.
 * Throws RestoreRefused, having changed nothing, when the archive is damaged or cut short (a checksum,
 * a missing entry), was taken at a migration this code does not know (a newer Ágora), or a target is not
 * empty. Returns the manifest and the migrations applied beyond the archive's.
 */
export async function restoreBackup(
  options: RestoreOptions,
): Promise<{ manifest: BackupManifest; upgraded: string[] }> {
  const sourceMigrations = options.migrationsDir ?? defaultMigrationsDir;
  const staging = await mkdtemp(path.join(tmpdir(), 'agora-restore-'));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  try {
    await extract(path.resolve(options.archive), staging);
    const manifest = await readManifest(staging);
    await verifyChecksums(staging, manifest);

    const known = new Set(await knownMigrations(sourceMigrations));
    const unknown = manifest.migrations.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new RestoreRefused(
        `The archive comes from a newer Ágora (${manifest.agoraVersion}): its database has migration ${unknown.join(', ')}, which this Ágora does not know. Restore it with that version or a later one.`,
      );
    }

    await client.connect();
    const { rows } = await client.query<{ tables: number }>(
      `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    if ((rows[0]?.tables ?? 0) > 0) {
      throw new RestoreRefused('The database is not empty: restore into a new, empty database.');
    }
    if (!(await isEmptyFolder(options.attachmentsDir))) {
      throw new RestoreRefused(
        `The attachments folder ${options.attachmentsDir} is not empty: restore into an empty folder.`,
      );
    }

    options.log?.(`Restoring the backup of ${manifest.createdAt} (Ágora ${manifest.agoraVersion})…`);
    await applyMigrations(options.databaseUrl, {
      migrationsDir: await migrationsAsOf(staging, sourceMigrations, manifest.migrations),
      ...(options.log ? { log: options.log } : {}),
    });
    await loadRows(client, staging, manifest);
    if (manifest.files.length > 0) {
      await mkdir(options.attachmentsDir, { recursive: true });
      await cp(path.join(staging, 'attachments'), options.attachmentsDir, { recursive: true });
    }
    const { applied } = await applyMigrations(options.databaseUrl, {
      migrationsDir: sourceMigrations,
      ...(options.log ? { log: options.log } : {}),
    });
    options.log?.(
      `Restored ${manifest.tables.reduce((sum, table) => sum + table.rows, 0)} rows and ${manifest.files.length} attachments${applied.length > 0 ? `; then applied ${applied.length} newer migrations` : ''}.`,
    );
    if (manifest.missingFiles.length > 0) {
      options.log?.(`The backup lacked ${manifest.missingFiles.length} attachment files (gone when it was taken).`);
    }
    return { manifest, upgraded: applied };
  } finally {
    await client.end().catch(() => {});
    await rm(staging, { recursive: true, force: true, maxRetries: 3 });
  }
}
