import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
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
});
