import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

// A real OpenID provider (oidc-provider, OpenID Certified) listening on 127.0.0.1 inside the test
// process. Its login and consent pages are answered by the test: whoever `signInAs` names signs in and
// consents to what was asked. Nothing of the protocol is faked: Ágora discovers it, is redirected to
// it, exchanges the code at its token endpoint, checks its ID tokens against its JWKS.

export interface TestIdentity {
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly organization?: string;
  readonly department?: string;
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly client: TestClient;
  /** Another client registered at the same provider (another application of the administration). */
  readonly otherClient: TestClient;
  /** The account whose login the provider's next login page accepts. */
  signInAs(subject: string, identity: TestIdentity): void;
  /** From now on ID tokens are issued for `clientId` whoever asked (a provider that mixes up its clients); null: as it should. */
  issueIdTokensFor(clientId: string | null): void;
  /**
   * While `swapped`, the provider signs with another key under the same `kid` than the one it published
   * first (a key swapped without notice, or someone else's server answering at its address).
   */
  swapSigningKey(swapped: boolean): void;
  /** Runs a browser through the provider from `authorizationUrl` to the redirect back to Ágora: its URL. */
  authorize(authorizationUrl: string): Promise<URL>;
  /** Follows an end-session URL as a browser does, confirming; returns where the provider sends it. */
  endSession(url: string): Promise<URL>;
  close(): Promise<void>;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
}

/** A port nothing listens on (a provider that is down). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a provider for Ágora at `agoraUrl` (its callback /sign-in/sso/<providerId>/callback). */
export async function startTestOidcProvider(agoraUrl: string, providerId: string): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const identities = new Map<string, TestIdentity>();
  let nextSubject = '';
  let idTokensFor: string | null = null;

  const client: TestClient = { clientId: 'agora', clientSecret: randomBytes(24).toString('hex') };
  const otherClient: TestClient = { clientId: 'agora-other', clientSecret: randomBytes(24).toString('hex') };
  const registration = (registered: TestClient) => ({
    client_id: registered.clientId,
    client_secret: registered.clientSecret,
    redirect_uris: [new URL(`/sign-in/sso/${providerId}/callback`, agoraUrl).href],
    post_logout_redirect_uris: [new URL('/?notice=signed-out', agoraUrl).href],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });

  function createProvider(): Provider {
    const configuration: Configuration = {
      clients: [registration(client), registration(otherClient)],
      jwks: { keys: [signingKey()] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'organization', 'department'],
      },
      findAccount: async (_ctx, sub) => ({
        accountId: sub,
        claims: async () => ({ sub, ...identities.get(sub) }),
      }),
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
      pkce: { required: () => true },
    };
    const created = new Provider(issuer, configuration);
    const IdToken = created.IdToken as unknown as {
      prototype: { issue(this: { client: unknown }, o?: { use?: string }): Promise<string> };
    };
    const issue = IdToken.prototype.issue;
    IdToken.prototype.issue = async function (options) {
      if (options?.use === 'idtoken' && idTokensFor) this.client = await created.Client.find(idTokensFor);
      return issue.call(this, options);
    };
    return created;
  }

  const original = createProvider();
  let swappedProvider: Provider | null = null;
  let provider = original;

  async function interaction(request: IncomingMessage, response: ServerResponse) {
    const details = await provider.interactionDetails(request, response);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(request, response, { login: { accountId: nextSubject } });
      return;
    }
    const accountId = details.session?.accountId ?? nextSubject;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('no grant');
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (request, response) => {
    if (request.url?.startsWith('/interaction/')) {
      interaction(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
      return;
    }
    provider.callback()(request, response);
  });

  /** A browser's cookies for the provider (paths are ignored: every cookie goes with every request). */
  const jar = new Map<string, string>();
  async function visit(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair && at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }

  async function followUntilAgora(start: string, init: RequestInit = {}): Promise<URL> {
    let response = await visit(start, init);
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (!location)
        throw new Error(`the provider answered ${response.status} without a redirect: ${await response.text()}`);
      const next = new URL(location, issuer);
      if (next.origin !== issuer) return next;
      response = await visit(next.href);
    }
    throw new Error('too many redirects at the provider');
  }

  return {
    issuer,
    client,
    otherClient,
    signInAs(subject, identity) {
      nextSubject = subject;
      identities.set(subject, identity);
    },
    issueIdTokensFor(clientId) {
      idTokensFor = clientId;
    },
    swapSigningKey(swapped) {
      swappedProvider ??= createProvider();
      provider = swapped ? swappedProvider : original;
    },
    async authorize(authorizationUrl) {
      jar.clear();
      return followUntilAgora(authorizationUrl);
    },
    async endSession(url) {
      // The provider asks the person to confirm (a form with its own xsrf token), then redirects.
      const page = await visit(url);
      const html = await page.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !xsrf)
        throw new Error(`no logout confirmation at the provider (${page.status}): ${html.slice(0, 300)}`);
      return followUntilAgora(new URL(action, issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
