import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import * as tar from 'tar';
import { isStorageName } from '../attachments/attachment-files.js';
import { migrationsDir as defaultMigrationsDir, projectRoot } from '../paths.js';

// A backup is one .tar.gz: manifest.json, the database's rows (database/<table>.copy, PostgreSQL's COPY
// text format) and the attached files (attachments/ab/cd/<name>). See docs/decisions/011-single-sign-on-and-backups.md for
// why the rows are copied by Ágora itself rather than by pg_dump.
//
// Consistency: every table is copied inside one REPEATABLE READ, READ ONLY transaction (one snapshot,
// as pg_dump does); the files taken are exactly those the snapshot's `attachments` rows name, copied
// right after it. A file uploaded later is not in the snapshot and is left out; one deleted in between
// is listed in the manifest's `missingFiles` (and said), never silently lost.

export const BACKUP_FORMAT = 1;

export interface ManifestTable {
  readonly name: string;
  /** The columns copied, in order (generated columns are left out: PostgreSQL computes them again). */
  readonly columns: readonly string[];
  readonly rows: number;
  readonly file: string;
  readonly sha256: string;
}

export interface ManifestFile {
  /** Relative to the archive's root: attachments/ab/cd/<name>. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: number;
  readonly agoraVersion: string;
  readonly createdAt: string;
  /** The migrations the database had applied (prisma/migrations folder names), oldest first. */
  readonly migrations: readonly string[];
  readonly postgresVersion: string;
  readonly tables: readonly ManifestTable[];
  readonly files: readonly ManifestFile[];
  /** Attachments the database names whose file was gone when the backup copied the folder. */
  readonly missingFiles: readonly string[];
}

export interface BackupResult {
  readonly archive: string;
  readonly manifest: BackupManifest;
}

/** Tables that are not Ágora's data: the migration history is rebuilt by the restore's own migrations. */
const SKIPPED_TABLES = new Set(['_prisma_migrations']);

/** Where an attachment sits under the attachments folder (the rule of attachment-files.ts's store). */
export function attachmentRelativePath(storageName: string): string {
  return path.join(storageName.slice(0, 2), storageName.slice(2, 4), storageName);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export async function agoraVersion(): Promise<string> {
  const packageJson = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return packageJson.version;
}

/** The migrations this code knows (prisma/migrations folder names), oldest first. */
export async function knownMigrations(dir = defaultMigrationsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** The public schema's tables and their copyable (not generated) columns, in name order. */
export async function listTables(client: pg.ClientBase): Promise<{ name: string; columns: string[] }[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    GROUP BY c.relname
    ORDER BY c.relname`);
  return rows.filter((row) => !SKIPPED_TABLES.has(row.name));
}

/** Today's archive name: agora-backup-2026-11-30T01-02-03Z.tar.gz (UTC, sorts by date). */
export function archiveName(now: Date): string {
  return `agora-backup-${now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-')}.tar.gz`;
}

export interface BackupOptions {
  readonly databaseUrl: string;
  readonly attachmentsDir: string;
  /** Where the archive is written (created when missing). */
  readonly outputDir: string;
  readonly now?: Date;
  readonly log?: (line: string) => void;
}

/**
 * Writes one archive of the database and the attachments it names into `outputDir`; returns its path
 * and manifest. The archive appears under its final name only once complete (written as .partial, then
 * renamed). Throws when the database cannot be read or the folder written; nothing is left behind then.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? new Date();
  const staging = await mkdtemp(path.join(tmpdir(), 'agora-backup-'));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  try {
    await mkdir(path.join(staging, 'database'));
    await client.connect();
    // One snapshot for every table (pg_dump does the same).
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = (
      await client.query<{ migration_name: string }>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
      )
    ).rows.map((row) => row.migration_name);
    const postgresVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    const tables: ManifestTable[] = [];
    for (const table of await listTables(client)) {
      const file = `database/${table.name}.copy`;
      const columns = table.columns.map((column) => client.escapeIdentifier(column)).join(', ');
      const stream = client.query(copyTo(`COPY ${client.escapeIdentifier(table.name)} (${columns}) TO STDOUT`));
      await pipeline(stream, createWriteStream(path.join(staging, file)));
      tables.push({ name: table.name, columns: table.columns, rows: stream.rowCount, file, sha256: '' });
    }
    const storageNames = (
      await client.query<{ storage_name: string }>('SELECT storage_name FROM attachments ORDER BY storage_name')
    ).rows.map((row) => row.storage_name);
    await client.query('COMMIT');

    const files: ManifestFile[] = [];
    const missingFiles: string[] = [];
    for (const name of storageNames) {
      if (!isStorageName(name)) continue;
      const relative = attachmentRelativePath(name);
      const target = path.join(staging, 'attachments', relative);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await copyFile(path.join(options.attachmentsDir, relative), target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        missingFiles.push(name);
        options.log?.(
          `Attachment ${name} is named by the database but its file is gone; the backup lists it as missing.`,
        );
        continue;
      }
      const archived = path.posix.join('attachments', ...relative.split(path.sep));
      files.push({ path: archived, size: (await stat(target)).size, sha256: await sha256File(target) });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      agoraVersion: await agoraVersion(),
      createdAt: now.toISOString(),
      migrations,
      postgresVersion: postgresVersion ?? 'unknown',
      tables: await Promise.all(
        tables.map(async (table) => ({ ...table, sha256: await sha256File(path.join(staging, table.file)) })),
      ),
      files,
      missingFiles,
    };
    await writeFile(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    await mkdir(options.outputDir, { recursive: true });
    const archive = path.join(path.resolve(options.outputDir), archiveName(now));
    const partial = `${archive}.partial`;
    const entries = ['manifest.json', 'database', ...(files.length > 0 ? ['attachments'] : [])];
    try {
      await tar.create({ gzip: true, file: partial, cwd: staging, portable: true }, entries);
      await rename(partial, archive);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    options.log?.(
      `Wrote ${archive}: ${tables.length} tables, ${tables.reduce((sum, table) => sum + table.rows, 0)} rows, ${files.length} attachments.`,
    );
    return { archive, manifest };
  } finally {
    await client.end().catch(() => {});
    await rm(staging, { recursive: true, force: true });
  }
}
