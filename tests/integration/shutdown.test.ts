import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';

describe('graceful shutdown', () => {
  it('closing lets a request in flight finish, then refuses new connections', async () => {
    const t = await createTestApp();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    t.app.get('/__test/slow', async () => {
      entered();
      await released;
      return { finished: true };
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    const base = `http://127.0.0.1:${address.port}`;

    const inFlight = fetch(`${base}/__test/slow`);
    await inside;
    const closing = t.app.close();
    setTimeout(release, 300);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ finished: true });
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await t.database.drop();
  });
});
