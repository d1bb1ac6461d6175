import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/client.js';
import { createJobQueue, type JobData, type JobQueue } from '../../src/jobs/job-queue.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const silent = { info() {}, warn() {}, error() {} };

describe('the job queue on PostgreSQL (pg-boss)', () => {
  let database: TestDatabase;
  let db: Db;
  let queue: JobQueue;
  const seen: JobData[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 2);
    queue = createJobQueue({
      databaseUrl: database.url,
      workers: false,
      maintenance: false,
      log: silent,
      queues: [
        {
          name: 'test.record',
          retryDelaySeconds: 0,
          handler: async (data) => {
            if (failuresLeft > 0) {
              failuresLeft -= 1;
              throw new Error('not this time');
            }
            seen.push(data);
          },
        },
      ],
    });
    await queue.start();
  });

  afterAll(async () => {
    await queue.stop();
    await db.$disconnect();
    await database.drop();
  });

  it('runs a job sent inside a transaction once it commits, and never one whose transaction rolled back', async () => {
    await db.$transaction(async (tx) => queue.send('test.record', { n: 1 }, { tx }));
    await expect(
      db.$transaction(async (tx) => {
        await queue.send('test.record', { n: 2 }, { tx });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await queue.drain();
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a job that failed', async () => {
    seen.length = 0;
    failuresLeft = 1;
    await queue.send('test.record', { n: 3 });
    await queue.drain();
    expect(seen).toEqual([]);
    // The retry waits for its back-off (about a second here) and is picked up by a later pass.
    for (let waited = 0; seen.length === 0 && waited < 20; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await queue.drain();
    }
    expect(seen).toEqual([{ n: 3 }]);
  });
});
