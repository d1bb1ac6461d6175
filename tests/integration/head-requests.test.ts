import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization } from '../support/factories.js';
import { threadTestKit } from '../support/threads.js';

// HEAD answers the header fields its GET would (RFC 9110 §9.3.2): the sign-in redirect's Location, and a
// Content-Length that counts what every page carries (the notification bell's number). Compression under
// HEAD: long-thread.test.ts.

let t: TestApp;
let townHall: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db);
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);

describe('HEAD answers the header fields its GET would', () => {
  it('a page that asks a signed-out reader to sign in redirects HEAD where it redirects GET', async () => {
    const get = await t.app.inject({ method: 'GET', url: '/communities/mine' });
    const head = await t.app.inject({ method: 'HEAD', url: '/communities/mine' });
    expect(get.statusCode).toBe(303);
    expect(head.statusCode).toBe(303);
    expect(head.headers.location).toBe(get.headers.location);
  });

  it('a signed-in page with an unread notification has the same length under HEAD as under GET', async () => {
    const me = await kit.person();
    await t.db.notification.create({
      data: { recipientId: me.user.id, kind: 'DATA_EXPORT', dedupeKey: `probe:${me.user.id}` },
    });
    for (const encoding of ['identity', 'gzip', 'br']) {
      const get = await t.app.inject({
        method: 'GET',
        url: '/communities',
        headers: { cookie: me.cookie, 'accept-encoding': encoding },
      });
      const head = await t.app.inject({
        method: 'HEAD',
        url: '/communities',
        headers: { cookie: me.cookie, 'accept-encoding': encoding },
      });
      expect(get.statusCode).toBe(200);
      expect(head.headers['content-encoding'], encoding).toBe(get.headers['content-encoding']);
      if (encoding === 'identity') {
        expect(get.body).toContain('class="bell__count" aria-hidden="true">1<');
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
      }
    }
  });
});
