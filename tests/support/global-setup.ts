import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { projectRoot } from '../../src/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseAdminUrl: string;
    testDatabaseTemplate: string;
  }
}

const TEMPLATE = `agora_template_${process.pid}`;

/**
 * Starts one PostgreSQL for the whole run — the embedded one, or the server named by
 * TEST_DATABASE_ADMIN_URL (a role that may CREATE DATABASE) — and migrates a template
 * database that each test file clones (tests/support/database.ts).
 */
export default async function setup(project: TestProject) {
  // Tests that run the built CLIs and server (dist/) share one build, made before any file runs:
  // two files compiling into dist/ at once could read each other's half-written output.
  await promisify(execFile)(path.join(projectRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
  });
  // A fresh cluster per run (initdb takes about a second): no state survives between runs,
  // and two runs at once do not share a data folder.
  const embeddedDir = path.join(projectRoot, '.data', `test-postgres-${process.pid}`);
  const given = process.env.TEST_DATABASE_ADMIN_URL;
  const embedded = given ? null : await startEmbeddedPostgres({ dir: embeddedDir, port: 0 });
  const adminUrl = given ?? embedded?.adminUrl ?? '';

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  await applyMigrations(templateUrl.toString());
  await admin.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE true`);
  await admin.end();

  project.provide('testDatabaseAdminUrl', adminUrl);
  project.provide('testDatabaseTemplate', TEMPLATE);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    // Databases of files that crashed before their afterAll, then the template.
    const leftovers = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'agora_test_${process.pid}_%'`,
    );
    for (const { datname } of leftovers.rows) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
    await client.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE false`);
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    await client.end();
    await embedded?.stop();
    if (embedded) await rm(embedded.dataDir, { recursive: true, force: true });
  };
}
