import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import { projectRoot } from '../../src/paths.js';
import { createEmptyDatabase, type TestDatabase } from '../support/database.js';

// The real `npm start` path: the built server in a process of its own.

const serverJs = path.join(projectRoot, 'dist/src/server.js');
const running = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [serverJs], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function waitForReady(run: Run, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().stdout.includes('Ágora is ready at')) {
    if (run.child.exitCode !== null) throw new Error(`server exited: ${run.output().stderr}`);
    if (Date.now() > deadline) throw new Error(`server not ready: ${JSON.stringify(run.output())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let database: TestDatabase;
beforeAll(async () => {
  // dist/ is built by the global setup.
  database = await createEmptyDatabase();
}, 120_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await database.drop();
});

describe('starting the server', () => {
  it('a bad environment stops the start with one line per variable and exit code 1', async () => {
    const run = startServer({ PORT: 'http', DATABASE_URL: 'localhost/agora' });
    expect(await run.exited).toBe(1);
    const lines = run.output().stderr.trim().split('\n');
    expect(lines[0]).toBe('Ágora cannot start; fix these environment variables:');
    expect(
      lines
        .slice(1)
        .map((line) => line.split(':')[0])
        .sort(),
    ).toEqual(['DATABASE_URL', 'PORT']);
  });

  it('an unreachable database is one clear line and exit code 1, password hidden', async () => {
    const port = await findFreePort();
    const run = startServer({ DATABASE_URL: `postgresql://agora:s3cret@127.0.0.1:${port}/agora`, PORT: '0' });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`Could not reach the database at postgresql://agora:***@127.0.0.1:${port}/agora`);
    expect(stderr).not.toContain('s3cret');
  });

  it('with DATABASE_URL: migrates, serves, refuses a port in use, and stops on SIGTERM', async () => {
    const port = await findFreePort();
    const first = startServer({ DATABASE_URL: database.url, PORT: String(port) });
    await waitForReady(first);
    expect(first.output().stdout).toMatch(/Applied \d+ migration\(s\): \d+_init,/);

    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<html lang="es">');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);

    const second = startServer({ DATABASE_URL: database.url, PORT: String(port) });
    expect(await second.exited).toBe(1);
    expect(second.output().stderr.trim()).toBe(
      `Ágora cannot start: Port ${port} on 127.0.0.1 is already in use: set PORT to a free port.`,
    );

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('without DATABASE_URL: starts the embedded PostgreSQL with demo data, and stops it on exit', async () => {
    const dir = path.join(projectRoot, '.data', `test-embedded-${process.pid}`);
    let kept = dir;
    await rm(dir, { recursive: true, force: true });
    try {
      const port = await findFreePort();
      const run = startServer({ EMBEDDED_DB_DIR: dir, PORT: String(port) });
      await waitForReady(run);
      expect(run.output().stdout).toContain(`Starting Ágora on the embedded database in ${dir}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      const home = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(home).toContain('Diputación Provincial de Valdeserra');
      // As root in a folder the postgres user cannot enter (a clone in root's home), the start says
      // where the data is kept instead.
      kept = /its data is kept in (.+)\.$/m.exec(run.output().stdout)?.[1] ?? dir;
      expect(existsSync(path.join(kept, 'postmaster.pid'))).toBe(true);

      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(existsSync(path.join(kept, 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(kept, { recursive: true, force: true });
    }
  });
});
