import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';
import { submitForm } from '../support/forms.js';

// GET /metrics (prom-client): only with METRICS_TOKEN, only for a request that carries it; otherwise the
// same 404 page as an unknown address.

const TOKEN = 'un-secreto-de-prometheus-0123456789';
let t: TestApp;
let closed: TestApp;
beforeAll(async () => {
  t = await createTestApp({ METRICS_TOKEN: TOKEN });
  closed = await createTestApp();
});
afterAll(async () => {
  await t?.close();
  await closed?.close();
});

const scrape = (app: TestApp, authorization?: string) =>
  app.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('GET /metrics', () => {
  it('is a 404 page without METRICS_TOKEN, without the token, or with another one', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/no-such-page' });
    for (const response of [
      await scrape(closed, `Bearer ${TOKEN}`),
      await scrape(t),
      await scrape(t, `Bearer ${TOKEN}x`),
      await scrape(t, TOKEN),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toBe(unknown.headers['content-type']);
      expect(response.body).not.toContain('http_requests_total');
    }
  });

  it('reports requests by route pattern and status, the job queues, the database and sign-in failures', async () => {
    const org = await createOrganization(t.db);
    const user = await createUser(t.db, { organizationId: org.id });
    await t.app.inject({ method: 'GET', url: '/' });
    await t.app.inject({ method: 'GET', url: '/c/no-existe' });
    await t.app.inject({ method: 'GET', url: '/nothing/here' });
    const failed = await submitForm(t.app, '/sign-in', { email: user.email, password: 'una contraseña equivocada' });
    expect(failed.statusCode).toBe(401);
    const response = await scrape(t, `Bearer ${TOKEN}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.body;
    expect(body).toContain('http_requests_total{method="GET",route="/",status_code="200"} 1');
    // The route's pattern, never the path a visitor typed.
    expect(body).toContain('http_requests_total{method="GET",route="/c/:slug",status_code="404"} 1');
    expect(body).toContain('route="(unmatched)",status_code="404"');
    expect(body).not.toContain('no-existe');
    expect(body).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/"\}/);
    expect(body).toContain('agora_database_up 1');
    expect(body).toContain('agora_sign_in_failures_15m 1');
    expect(body).toContain('agora_sign_in_lockouts 0');
    expect(body).toContain('agora_posts_held 0');
    expect(body).toContain('agora_jobs_queued{queue="notifications.email"}');
    expect(body).toContain('agora_jobs_failed{queue="notifications.post-published"}');
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('agora_review_pending{kind="HELD_POST"} 0');
    // This process's pool (tests/support/app.ts opens 5 at the most), and the connections it held.
    expect(body).toContain('agora_db_pool_max 5');
    expect(body).toMatch(/agora_db_pool_connections\{state="open"\} [1-5]\n/);
    expect(body).toMatch(/agora_db_pool_waiting 0\n/);
    const held = Number(/agora_db_connection_held_seconds_count (\d+)/.exec(body)?.[1] ?? 0);
    expect(held).toBeGreaterThan(0);
  });
});
