import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { handleBaseFor, readSsoIdentity } from '../../src/sso/sso-claims.js';

const names = { email: 'email', emailVerified: 'email_verified', name: 'name', department: 'ou' };

function problemsOf(value: string): string[] {
  try {
    loadConfig({ OIDC_PROVIDERS: value });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const provider = { id: 'aoc', name: 'AOC', issuer: 'https://idp.example.org', clientId: 'agora', clientSecret: 's' };

describe('OIDC_PROVIDERS', () => {
  it('reads providers with default scope and claim names', () => {
    const config = loadConfig({ OIDC_PROVIDERS: JSON.stringify([provider]) });
    expect(config.oidcProviders).toEqual([
      {
        ...provider,
        scope: 'openid email profile',
        claims: { email: 'email', emailVerified: 'email_verified', name: 'name' },
      },
    ]);
    expect(loadConfig({}).oidcProviders).toEqual([]);
  });

  it('says on one line what is wrong, and where', () => {
    expect(problemsOf('not json')).toEqual([expect.stringMatching(/^OIDC_PROVIDERS: expected a JSON array/)]);
    expect(problemsOf(JSON.stringify([{ ...provider, clientId: '' }]))).toEqual([
      expect.stringMatching(/^OIDC_PROVIDERS: \[0\]\.clientId: expected the client id/),
    ]);
    expect(problemsOf(JSON.stringify([provider, provider]))).toEqual([
      expect.stringMatching(/^OIDC_PROVIDERS: \[1\]\.id: "aoc" is used twice/),
    ]);
    expect(problemsOf(JSON.stringify([{ ...provider, issuer: 'http://idp.example.org' }]))).toEqual([
      expect.stringMatching(/^OIDC_PROVIDERS: \[0\]\.issuer: expected an https:\/\/ URL/),
    ]);
    expect(problemsOf(JSON.stringify([{ ...provider, id: 'Con Espacios' }]))).toEqual([
      expect.stringMatching(/^OIDC_PROVIDERS: \[0\]\.id: expected 1 to 32 lower-case/),
    ]);
    expect(problemsOf(JSON.stringify([{ ...provider, scope: 'email profile' }]))).toEqual([
      expect.stringMatching(/^OIDC_PROVIDERS: \[0\]\.scope: expected the scopes to include openid/),
    ]);
  });

  it('allows plain http only for a provider on this machine', () => {
    const local = { ...provider, issuer: 'http://127.0.0.1:8080' };
    expect(loadConfig({ OIDC_PROVIDERS: JSON.stringify([local]) }).oidcProviders[0]?.issuer).toBe(local.issuer);
  });
});

describe('readSsoIdentity', () => {
  it('reads the configured claims; only a true email_verified counts', () => {
    expect(
      readSsoIdentity({ sub: 's', email: ' ana@a.es ', email_verified: true, name: 'Ana', ou: 'Urbanismo' }, names),
    ).toEqual({
      subject: 's',
      email: 'ana@a.es',
      emailVerified: true,
      name: 'Ana',
      organization: null,
      department: 'Urbanismo',
      locale: null,
    });
    expect(readSsoIdentity({ email: 'ana@a.es', email_verified: 'true' }, names).emailVerified).toBe(true);
    // The standard locale claim, when it is one of the five languages; anything else is ignored.
    for (const [claim, locale] of [
      ['gl-ES', 'gl'],
      ['eu_ES', 'eu'],
      ['CA', 'ca'],
      ['fr-FR', null],
      ['pt', null],
      [42, null],
      ['', null],
    ] as const) {
      expect(readSsoIdentity({ email: 'ana@a.es', locale: claim }, names).locale, String(claim)).toBe(locale);
    }
    expect(readSsoIdentity({ email: 'ana@a.es', email_verified: 'yes' }, names).emailVerified).toBe(false);
    expect(readSsoIdentity({ email: 'ana@a.es' }, names).emailVerified).toBe(false);
    expect(readSsoIdentity({ email: 'no es un correo', email_verified: true }, names).email).toBeNull();
    expect(readSsoIdentity({ email: ['ana@a.es'], email_verified: true }, names).email).toBeNull();
  });

  it('keeps a name as a form would: no bidirectional override, nothing when nothing shows', () => {
    expect(readSsoIdentity({ email: 'ana@a.es', name: 'Ana \u202EaicraG' }, names).name).toBe('Ana aicraG');
    expect(readSsoIdentity({ email: 'ana@a.es', name: '\u200B\u3164' }, names).name).toBeNull();
  });
});

describe('handleBaseFor', () => {
  it.each([
    ['ana.lopez@a.es', 'ana-lopez'],
    ['Núria.Puig@a.cat', 'nuria-puig'],
    ['x@a.es', 'persona-x'],
    ['_.-@a.es', 'persona-sso'],
    ['un.nombre.muy.largo.de.verdad.larguisimo@a.es', 'un-nombre-muy-largo-de-v'],
  ])('%s → %s', (email, handle) => {
    expect(handleBaseFor(email)).toBe(handle);
  });
});
