import { access } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttachmentStore } from '../../src/attachments/attachment-files.js';
import { ATTACHMENT_JOBS } from '../../src/jobs/jobs.js';
import { PENDING_UPLOAD_MS } from '../../src/threads/threads.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser } from '../support/factories.js';

// Uploads never attached to a post go after PENDING_UPLOAD_MS, by a scheduled job (issue 11), not on the
// uploader's next request.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('the clean-up of abandoned uploads', () => {
  it('removes rows and files older than a day that no post took, and nothing else; run again, it finds nothing', async () => {
    const store = createAttachmentStore(t.config.attachments.dir);
    const org = await createOrganization(t.db);
    const uploader = await createUser(t.db, { organizationId: org.id });
    const file = (name: string) =>
      store.save({
        bytes: Buffer.from(`contenido de ${name}\n`),
        mimeType: 'text/plain',
        extension: 'txt',
        isImage: false,
        width: null,
        height: null,
        displayName: `${name}.txt`,
      } as Parameters<typeof store.save>[0]);
    const old = new Date(Date.now() - PENDING_UPLOAD_MS - 60_000);
    const rows = [];
    for (const [name, createdAt] of [
      ['abandonado', old],
      ['reciente', new Date()],
    ] as const) {
      const storageName = await file(name);
      rows.push(
        await t.db.attachment.create({
          data: {
            uploaderId: uploader.id,
            storageName,
            displayName: `${name}.txt`,
            mimeType: 'text/plain',
            size: 10,
            isImage: false,
            createdAt,
          },
        }),
      );
    }
    const located = (storageName: string) =>
      path.join(t.config.attachments.dir, storageName.slice(0, 2), storageName.slice(2, 4), storageName);
    const [abandoned, recent] = rows as [(typeof rows)[0], (typeof rows)[0]];
    expect(await exists(located(abandoned.storageName))).toBe(true);

    await t.app.jobs.queue.send(ATTACHMENT_JOBS.discardStale, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.attachment.findUnique({ where: { id: abandoned.id } })).toBeNull();
    expect(await exists(located(abandoned.storageName))).toBe(false);
    expect(await t.db.attachment.findUnique({ where: { id: recent.id } })).not.toBeNull();
    expect(await exists(located(recent.storageName))).toBe(true);

    await t.app.jobs.queue.send(ATTACHMENT_JOBS.discardStale, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.attachment.count({ where: { uploaderId: uploader.id } })).toBe(1);
  });
});
