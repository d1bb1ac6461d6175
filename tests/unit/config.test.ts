import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ATTACHMENT_TYPES, KNOWN_ATTACHMENT_TYPES, loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/paths.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has safe defaults: embedded database with demo data, local address, port 3000', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.publicUrl.href).toBe('http://localhost:3000/');
    expect(config.database).toEqual({
      kind: 'embedded',
      dir: path.join(projectRoot, '.data', 'postgres'),
      port: 0,
      poolMax: 10,
    });
    expect(config.demoData).toBe(true);
    expect(config.migrateOnStart).toBe(true);
    expect(config.trustProxy).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('uses DATABASE_URL when set, without demo data unless asked', () => {
    const url = 'postgresql://agora:pw@db:5432/agora';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'server', url, poolMax: 10 });
    expect(loadConfig({ DATABASE_URL: url }).demoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: url, DEMO_DATA: 'true' }).demoData).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('embedded');
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it('reads proxy trust as a boolean, a hop count or a list', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('names each bad variable on a line of its own, saying what it expects and what it got', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x@y/z',
      LOG_LEVEL: 'loud',
      DEMO_DATA: 'maybe',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toContain('PORT: expected a port number (got "eighty")');
    expect(problems.find((line) => line.startsWith('DATABASE_URL:'))).toMatch(/postgresql:\/\//);
    expect(problems.find((line) => line.startsWith('LOG_LEVEL:'))).toContain('got "loud"');
    expect(problems.find((line) => line.startsWith('DEMO_DATA:'))).toContain('expected true or false');
  });

  it('rejects out-of-range ports and malformed URLs', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT: expected a port number between 0 and 65535 (got "70000")']);
    expect(problemsOf({ PUBLIC_URL: 'agora.local' })[0]).toMatch(/^PUBLIC_URL: expected the absolute URL/);
    expect(problemsOf({ NODE_ENV: 'staging' })[0]).toBe(
      'NODE_ENV: expected development, production or test (got "staging")',
    );
  });

  it('reads the database timeouts in seconds, within what PostgreSQL and Node can hold', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ lockMs: 5_000, queryMs: 30_000 });
    expect(
      loadConfig({ DATABASE_LOCK_TIMEOUT_SECONDS: '2', DATABASE_QUERY_TIMEOUT_SECONDS: '60' }).databaseTimeouts,
    ).toEqual({ lockMs: 2_000, queryMs: 60_000 });
    // 1e9 s was taken, and became a 1 ms timer (Node's timers stop at 2^31 - 1 ms): every statement failed.
    for (const value of ['0', '-1', 'abc', '1.5', '1e9', '2147484', '601']) {
      expect(problemsOf({ DATABASE_LOCK_TIMEOUT_SECONDS: value }), value).toEqual([
        `DATABASE_LOCK_TIMEOUT_SECONDS: expected a whole number of seconds from 1 to 600 (got "${value}")`,
      ]);
    }
    expect(problemsOf({ DATABASE_QUERY_TIMEOUT_SECONDS: '3601' })).toEqual([
      'DATABASE_QUERY_TIMEOUT_SECONDS: expected a whole number of seconds from 1 to 3600 (got "3601")',
    ]);
  });

  describe('attachments', () => {
    it('defaults to 10 MB, five files a post, the common office, image and PDF types, under .data', () => {
      const { attachments } = loadConfig({});
      expect(attachments.dir).toBe(path.join(projectRoot, '.data', 'attachments'));
      expect(attachments.maxBytes).toBe(10 * 1024 * 1024);
      expect(attachments.perPost).toBe(5);
      expect([...attachments.allowedTypes].sort()).toEqual(
        [
          'image/png',
          'image/jpeg',
          'image/gif',
          'image/webp',
          'application/pdf',
          'text/plain',
          'text/csv',
          'application/vnd.oasis.opendocument.text',
          'application/vnd.oasis.opendocument.spreadsheet',
          'application/vnd.oasis.opendocument.presentation',
          'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          'application/vnd.openxmlformats-officedocument.presentationml.presentation',
          'application/zip',
        ].sort(),
      );
      expect(attachments.allowedTypes).not.toContain('image/svg+xml');
      expect(Object.isFrozen(attachments)).toBe(true);
      expect(Object.isFrozen(attachments.allowedTypes)).toBe(true);
    });

    it('reads the folder, the size, the types and the number per post', () => {
      const { attachments } = loadConfig({
        ATTACHMENTS_DIR: '/srv/agora/attachments',
        ATTACHMENT_MAX_MB: '2.5',
        ATTACHMENT_TYPES: ' Application/PDF ,image/png,,image/png, application/rtf',
        ATTACHMENTS_PER_POST: '12',
      });
      expect(attachments).toEqual({
        dir: '/srv/agora/attachments',
        maxBytes: 2.5 * 1024 * 1024,
        allowedTypes: ['application/pdf', 'image/png', 'application/rtf'],
        perPost: 12,
      });
      expect(loadConfig({ ATTACHMENTS_DIR: 'uploads' }).attachments.dir).toBe(path.join(projectRoot, 'uploads'));
    });

    it('refuses unknown and malformed types on one line that names them and lists the known ones', () => {
      const problems = problemsOf({ ATTACHMENT_TYPES: 'application/pdf, image/svg+xml, .exe' });
      expect(problems).toHaveLength(1);
      const [line = ''] = problems;
      expect(line).not.toContain('\n');
      expect(line).toMatch(/^ATTACHMENT_TYPES: expected a comma-separated list of types recognised by content/);
      expect(line).toContain('"image/svg+xml", ".exe" not known');
      expect(line).not.toContain('"application/pdf" not known');
      for (const type of KNOWN_ATTACHMENT_TYPES) expect(line).toContain(type);
      expect(line).toMatch(/\(got "application\/pdf, image\/svg\+xml, \.exe"\)$/);
      expect(problemsOf({ ATTACHMENT_TYPES: ' , ,' })[0]).toMatch(/^ATTACHMENT_TYPES: expected a comma-separated/);
    });

    it('refuses a size that is not a positive number of megabytes up to 100, and a non-whole count', () => {
      expect(problemsOf({ ATTACHMENT_MAX_MB: '0' })[0]).toBe(
        'ATTACHMENT_MAX_MB: expected a positive number of megabytes, at most 100 (got "0")',
      );
      expect(problemsOf({ ATTACHMENT_MAX_MB: 'ten' })[0]).toMatch(/^ATTACHMENT_MAX_MB: expected a positive number/);
      expect(problemsOf({ ATTACHMENT_MAX_MB: '101' })[0]).toMatch(/^ATTACHMENT_MAX_MB: .*at most 100/);
      expect(loadConfig({ ATTACHMENT_MAX_MB: '100' }).attachments.maxBytes).toBe(100 * 1024 * 1024);
      expect(problemsOf({ ATTACHMENTS_PER_POST: '1.5' })[0]).toBe(
        'ATTACHMENTS_PER_POST: expected a positive whole number of files (got "1.5")',
      );
      expect(problemsOf({ ATTACHMENTS_PER_POST: '0' })).toHaveLength(1);
    });

    it('allows by default every known type but RTF and 7-Zip', () => {
      expect(KNOWN_ATTACHMENT_TYPES.filter((type) => !DEFAULT_ATTACHMENT_TYPES.includes(type))).toEqual([
        'application/rtf',
        'application/x-7z-compressed',
      ]);
    });
  });
});
