import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

const prisma = path.join(projectRoot, 'node_modules/.bin/prisma');

describe("Prisma's CLI offline", () => {
  it('a stray `prisma migrate` fails and names the project’s scripts instead', async () => {
    const run = promisify(execFile)(prisma, ['migrate', 'status'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    const failure = await run.then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure).not.toBeNull();
    expect(failure?.code).not.toBe(0);
    const output = `${failure?.stdout}${failure?.stderr}`;
    expect(output).toContain('npm run db:migrate');
    expect(output).toContain('npm run db:migration -- <name>');
    expect(output).not.toMatch(/download/i);
  });
});
