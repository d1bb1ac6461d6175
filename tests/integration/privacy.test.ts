import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createAttachmentStore } from '../../src/attachments/attachment-files.js';
import { PRIVACY_JOBS } from '../../src/privacy/data-export.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createOrganization, createUser, TEST_PASSWORD } from '../support/factories.js';
import { fieldError, signInAs, submitForm } from '../support/forms.js';
import { threadTestKit } from '../support/threads.js';

// Data-protection rights through HTTP against the real database and pg-boss (issue 16, item 4): the copy of
// a person's data (GDPR Art. 15 and 20), the erasure of their account (Art. 17) and the retention rules.

let t: TestApp;
let townHall: { id: string; name: string; emailDomains: string[] };

beforeAll(async () => {
  t = await createTestApp();
  townHall = await createOrganization(t.db, { name: 'Ayuntamiento de Privacidad' });
});
afterAll(async () => {
  await t.close();
});

const kit = threadTestKit(
  () => t,
  () => townHall,
);
const { get, person, community, openThread, postReply } = kit;

/** A verified employee whose address is on the town hall's domain (so it can sign up again), signed in. */
async function namedPerson() {
  const id = randomBytes(4).toString('hex');
  const user = await createUser(t.db, {
    organizationId: townHall.id,
    email: `ana-${id}@${townHall.emailDomains[0]}`,
    handle: `ana-${id}`,
    displayName: `Ana ${id}`,
  });
  return { user, cookie: await signInAs(t.app, user.email) };
}

function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const json = (files: Map<string, Buffer>, name: string) => JSON.parse(files.get(name)?.toString('utf8') ?? 'null');

const send = (url: string, cookie: string, fields: Record<string, string>, formUrl: string) =>
  submitForm(t.app, url, fields, { cookie, formUrl });

describe('a copy of my data (GDPR Art. 15 and 20)', () => {
  it('is built by a job once, holds what is about me and nothing of anyone else, and only I can download it', async () => {
    const { c, moderator } = await community();
    const ana = await namedPerson();
    const bea = await person();
    await t.db.membership.createMany({
      data: [
        { communityId: c.id, userId: ana.user.id, state: 'ACTIVE' },
        { communityId: c.id, userId: bea.user.id, state: 'ACTIVE' },
      ],
    });
    const thread = await openThread(c.slug, ana.cookie, {
      title: 'Ordenanza de terrazas de Ana',
      body: 'Texto de Ana sobre la ordenanza de terrazas y su tramitación en el pleno municipal.',
    });
    const beaWords = 'Respuesta de Bea: nosotros lo aprobamos en comisión antes de llevarlo al pleno.';
    const beaReply = await postReply(thread.url, bea.cookie, { body: beaWords });
    const anaPost = await t.db.post.findFirstOrThrow({ where: { threadId: thread.id, authorId: ana.user.id } });
    await t.db.postRevision.create({
      data: {
        postId: anaPost.id,
        title: 'Título anterior de Ana',
        source: 'Primera versión de Ana',
        html: '<p>Primera versión de Ana</p>',
        tag: 'PROFESSIONAL',
        writtenAt: anaPost.createdAt,
      },
    });
    await t.db.reaction.create({ data: { postId: beaReply, userId: ana.user.id, kind: 'USEFUL' } });
    // Bea reports Ana's post: who reported is Bea's, never in Ana's copy.
    await t.db.report.create({ data: { postId: anaPost.id, reporterId: bea.user.id, reason: 'OFF_TOPIC' } });
    // Ana reports Bea's reply: hers.
    await t.db.report.create({
      data: { postId: beaReply, reporterId: ana.user.id, reason: 'SPAM', note: 'Nota de Ana' },
    });
    await t.db.moderationDecision.create({
      data: {
        communityId: c.id,
        postId: anaPost.id,
        subjectId: ana.user.id,
        actorId: moderator.user.id,
        action: 'HIDE',
        detection: 'REPORT',
        statement: 'Declaración de motivos para Ana',
      },
    });
    await t.db.auditEntry.create({
      data: {
        action: 'admin.user_suspend',
        outcome: 'SUCCESS',
        actorId: moderator.user.id,
        targetType: 'user',
        targetId: ana.user.id,
        ipAddress: '10.9.8.7',
        details: { note: 'detalle del moderador' },
      },
    });
    const fileBytes = Buffer.from('Notas de Ana: acta de la reunión.\n');
    const storageName = await createAttachmentStore(t.config.attachments.dir).save({
      bytes: fileBytes,
      mimeType: 'text/plain',
      extension: 'txt',
      isImage: false,
      width: null,
      height: null,
      displayName: 'acta.txt',
    });
    const attachment = await t.db.attachment.create({
      data: {
        postId: anaPost.id,
        uploaderId: ana.user.id,
        storageName,
        displayName: 'acta.txt',
        mimeType: 'text/plain',
        size: fileBytes.length,
        isImage: false,
      },
    });
    const avatarBytes = Buffer.from('RIFF-avatar-de-ana');
    await t.db.avatar.create({ data: { userId: ana.user.id, webp: avatarBytes, version: 'v1' } });

    const page = await get('/account', ana.cookie);
    expect(page.body).toContain('href="/account/data"');

    const asked = await send('/account/data/export', ana.cookie, {}, '/account/data');
    expect(asked.statusCode).toBe(303);
    // One pending export at a time: a clear message, nothing new.
    const again = await send('/account/data/export', ana.cookie, {}, '/account/data');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('solo se prepara una a la vez');
    expect(await t.db.dataExport.count({ where: { userId: ana.user.id } })).toBe(1);

    await t.app.jobs.queue.drain();
    const row = await t.db.dataExport.findFirstOrThrow({ where: { userId: ana.user.id } });
    expect(row.status).toBe('READY');
    // A retried job finds its work done: the same archive, one notification.
    await t.app.jobs.queue.send(PRIVACY_JOBS.buildExport, { exportId: row.id });
    await t.app.jobs.queue.drain();
    const after = await t.db.dataExport.findMany({ where: { userId: ana.user.id } });
    expect(after).toHaveLength(1);
    expect(after[0]?.size).toBe(row.size);
    expect(await t.db.notification.count({ where: { recipientId: ana.user.id, kind: 'DATA_EXPORT' } })).toBe(1);
    const told = await t.db.notification.findFirstOrThrow({ where: { recipientId: ana.user.id, kind: 'DATA_EXPORT' } });
    const bell = await get('/notifications', ana.cookie);
    expect(bell.body).toContain('La copia de sus datos está lista para descargar');
    expect(bell.body).toContain(`/notifications/${told.id}`);
    expect((await get(`/notifications/${told.id}`, ana.cookie)).headers.location).toBe('/account/data');

    const listing = await get('/account/data', ana.cookie);
    expect(listing.body).toContain(`/account/data/exports/${row.id}`);

    const download = await get(`/account/data/exports/${row.id}`, ana.cookie);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    const files = await unzip(download.rawPayload);

    const profile = json(files, 'profile.json');
    expect(profile.email).toBe(ana.user.email);
    expect(profile.handle).toBe(ana.user.handle);
    expect(files.get('avatar.webp')?.equals(avatarBytes)).toBe(true);
    expect(files.get(`attachments/${attachment.id}-acta.txt`)?.equals(fileBytes)).toBe(true);

    const posts = json(files, 'posts.json');
    expect(posts).toHaveLength(1);
    expect(posts[0].source).toContain('Texto de Ana');
    expect(posts[0].threadTitle).toBe('Ordenanza de terrazas de Ana');
    expect(posts[0].revisions[0].source).toBe('Primera versión de Ana');
    expect(posts[0].attachments).toEqual([attachment.id]);
    expect(json(files, 'reactions.json')).toEqual([expect.objectContaining({ postId: beaReply, kind: 'USEFUL' })]);
    expect(json(files, 'memberships.json')).toEqual([expect.objectContaining({ state: 'ACTIVE' })]);
    expect(json(files, 'policy-decisions.json').length).toBeGreaterThanOrEqual(1);
    const moderation = json(files, 'moderation.json');
    expect(moderation.decisionsAboutMe[0].statement).toBe('Declaración de motivos para Ana');
    expect(moderation.reportsIFiled).toEqual([expect.objectContaining({ postId: beaReply, note: 'Nota de Ana' })]);
    expect(json(files, 'sessions.json').length).toBeGreaterThanOrEqual(1);
    const auditEntries = json(files, 'audit.json');
    const suspended = auditEntries.find((entry: { action: string }) => entry.action === 'admin.user_suspend');
    expect(suspended).toMatchObject({ byMe: false, ipAddress: null, details: null });
    expect(auditEntries.some((entry: { action: string }) => entry.action === 'privacy.export_request')).toBe(true);

    // Nothing of anyone else: not Bea's words, not who reported Ana, not the moderator.
    const everything = [...files.values()].map((bytes) => bytes.toString('latin1')).join('\n');
    expect(everything).not.toContain('Respuesta de Bea');
    expect(everything).not.toContain(bea.user.id);
    expect(everything).not.toContain(bea.user.email);
    expect(everything).not.toContain(moderator.user.id);
    expect(everything).not.toContain('10.9.8.7');
    expect(everything).not.toContain('detalle del moderador');

    // Only Ana: anyone else gets the answer an unknown export gets.
    expect((await get(`/account/data/exports/${row.id}`, bea.cookie)).statusCode).toBe(404);
    expect((await get(`/account/data/exports/${randomUUID()}`, ana.cookie)).statusCode).toBe(404);
    expect((await get('/account/data/exports/not-a-uuid', ana.cookie)).statusCode).toBe(404);
    expect((await get(`/account/data/exports/${row.id}`)).statusCode).toBe(303);
    expect(await t.db.auditEntry.count({ where: { action: 'privacy.export_download', targetId: ana.user.id } })).toBe(
      1,
    );

    // Past its time, the hourly job deletes the row and the file.
    const file = path.join(t.config.exports.dir, row.storageName);
    expect(existsSync(file)).toBe(true);
    await t.db.dataExport.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await t.app.jobs.queue.send(PRIVACY_JOBS.discardExpiredExports, {});
    await t.app.jobs.queue.drain();
    expect(existsSync(file)).toBe(false);
    expect((await get(`/account/data/exports/${row.id}`, ana.cookie)).statusCode).toBe(404);
  });
});

describe('erasing my account (GDPR Art. 17)', () => {
  async function cast() {
    const { c } = await community();
    const ana = await namedPerson();
    const bea = await person();
    await t.db.membership.createMany({
      data: [
        { communityId: c.id, userId: ana.user.id, state: 'ACTIVE' },
        { communityId: c.id, userId: bea.user.id, state: 'ACTIVE' },
      ],
    });
    const anaThread = await openThread(c.slug, ana.cookie, {
      title: 'Pregunta de Ana sobre padrón',
      body: 'Palabras de Ana sobre el padrón municipal y las altas de oficio en el ayuntamiento.',
    });
    const beaAnswer = await postReply(anaThread.url, bea.cookie, {
      body: 'Contestación de Bea: las altas de oficio se notifican por edicto en el boletín.',
    });
    const beaThread = await openThread(c.slug, bea.cookie, { title: 'Hilo de Bea sobre contratos' });
    const anaReply = await postReply(beaThread.url, ana.cookie, {
      body: 'Respuesta de Ana en el hilo de Bea: usamos el modelo de pliego de la diputación.',
    });
    const beaUnderAna = await postReply(beaThread.url, bea.cookie, {
      body: 'Bea contesta a Ana debajo de su respuesta, con el enlace al modelo de pliego.',
      parentId: anaReply,
    });
    await t.db.avatar.create({ data: { userId: ana.user.id, webp: Buffer.from('x'), version: 'v1' } });
    await t.db.notificationPreference.create({
      data: { userId: ana.user.id, kind: 'MENTION', delivery: 'OFF' },
    });
    await t.db.communityWatch.create({ data: { userId: ana.user.id, communityId: c.id, level: 'WATCHING' } });
    return { c, ana, bea, anaThread, beaAnswer, beaThread, anaReply, beaUnderAna };
  }

  it('asks on a page of its own, and bad input changes nothing', async () => {
    const { ana } = await cast();
    const page = await get('/account/data/erase', ana.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="password"');
    const missing = await send('/account/data/erase', ana.cookie, { password: '' }, '/account/data/erase');
    expect(missing.statusCode).toBe(422);
    expect(fieldError(missing.body, 'password')).toBeTruthy();
    expect(fieldError(missing.body, 'confirm')).toBeTruthy();
    expect(missing.body).toContain('Elija qué pasa con sus publicaciones');
    const wrong = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'DELETE', password: 'no es la contraseña', confirm: 'yes' },
      '/account/data/erase',
    );
    expect(wrong.statusCode).toBe(422);
    expect(fieldError(wrong.body, 'password')).toBeTruthy();
    // What was typed stays (but never the password).
    expect(wrong.body).toMatch(/id="mode-DELETE"[^>]* checked/);
    const still = await t.db.user.findUniqueOrThrow({ where: { id: ana.user.id } });
    expect(still.email).toBe(ana.user.email);
    expect(still.erasedAt).toBeNull();
    expect((await get('/account', ana.cookie)).statusCode).toBe(200);
  });

  it('lets an account without a password (single sign-on only) confirm with its own address', async () => {
    const { ana } = await cast();
    await t.db.user.update({ where: { id: ana.user.id }, data: { passwordHash: '' } });
    const page = await get('/account/data/erase', ana.cookie);
    expect(page.body).toContain('Su dirección de correo, para confirmar');
    expect(page.body).not.toContain('type="password"');
    const wrong = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'TOMBSTONE', password: 'otra@prueba.example', confirm: 'yes' },
      '/account/data/erase',
    );
    expect(wrong.statusCode).toBe(422);
    expect(fieldError(wrong.body, 'password')).toBe('No es la dirección de esta cuenta.');
    expect((await t.db.user.findUniqueOrThrow({ where: { id: ana.user.id } })).erasedAt).toBeNull();
    const done = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'TOMBSTONE', password: ` ${ana.user.email.toUpperCase()} `, confirm: 'yes' },
      '/account/data/erase',
    );
    expect(done.statusCode).toBe(303);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: ana.user.id } })).erasedAt).not.toBeNull();
  });

  it('TOMBSTONE keeps the words without the author; the profile goes and the address can sign up again', async () => {
    const { ana, bea, anaThread, beaAnswer, anaReply, beaUnderAna } = await cast();
    const erased = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'TOMBSTONE', password: TEST_PASSWORD, confirm: 'yes' },
      '/account/data/erase',
    );
    expect(erased.statusCode).toBe(303);
    expect(erased.headers.location).toBe('/account/erased');
    expect((await get('/account/erased')).body).toContain('Cuenta borrada');

    const reply = await t.db.post.findUniqueOrThrow({ where: { id: anaReply } });
    expect(reply).toMatchObject({ authorId: null, status: 'PUBLISHED' });
    expect(reply.source).toContain('Respuesta de Ana');
    expect(await t.db.post.count({ where: { authorId: ana.user.id } })).toBe(0);
    // Other people's answers keep their place.
    expect(await t.db.post.findUniqueOrThrow({ where: { id: beaUnderAna } })).toMatchObject({
      parentId: anaReply,
      status: 'PUBLISHED',
      authorId: bea.user.id,
    });
    expect(await t.db.post.findUniqueOrThrow({ where: { id: beaAnswer } })).toMatchObject({ status: 'PUBLISHED' });
    const threadPage = await get(anaThread.url, bea.cookie);
    expect(threadPage.body).toContain('Palabras de Ana');
    expect(threadPage.body).toContain('Cuenta eliminada');
    expect(threadPage.body).not.toContain(ana.user.displayName);

    const row = await t.db.user.findUniqueOrThrow({ where: { id: ana.user.id } });
    expect(row.email).not.toBe(ana.user.email);
    expect(row.displayName).toBe('');
    expect(row.erasedAt).not.toBeNull();
    expect(await t.db.session.count({ where: { userId: ana.user.id } })).toBe(0);
    expect(await t.db.avatar.count({ where: { userId: ana.user.id } })).toBe(0);
    expect(await t.db.notificationPreference.count({ where: { userId: ana.user.id } })).toBe(0);
    expect(await t.db.communityWatch.count({ where: { userId: ana.user.id } })).toBe(0);
    expect(await t.db.membership.count({ where: { userId: ana.user.id } })).toBe(0);
    expect((await get('/account', ana.cookie)).statusCode).toBe(303);
    expect((await get(`/u/${ana.user.handle}`, bea.cookie)).statusCode).toBe(404);

    // Audited, with the id and never the address.
    const entry = await t.db.auditEntry.findFirstOrThrow({
      where: { action: 'privacy.erase', outcome: 'SUCCESS', targetId: ana.user.id },
    });
    expect(entry.details).toMatchObject({ mode: 'TOMBSTONE', postsWaiting: 0 });
    const withAddress = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_entries WHERE details::text ILIKE ${`%${ana.user.email}%`}`;
    expect(withAddress[0]?.n).toBe(0);

    // The address is free again.
    const signUp = await submitForm(t.app, '/sign-up', {
      email: ana.user.email,
      displayName: 'Ana otra vez',
      handle: `vuelve-${randomBytes(3).toString('hex')}`,
      password: 'frase distinta y bastante extensa',
    });
    expect(signUp.statusCode, signUp.body.match(/field__error[^<]*<\/p>|error-summary[\s\S]{0,400}/)?.[0]).toBe(303);
    const again = await t.db.user.findUniqueOrThrow({ where: { email: ana.user.email } });
    expect(again.id).not.toBe(ana.user.id);
  });

  it('DELETE removes the words, and the answers of others keep their place', async () => {
    const { ana, bea, anaThread, beaAnswer, beaThread, anaReply, beaUnderAna } = await cast();
    const before = await t.db.thread.findUniqueOrThrow({ where: { id: beaThread.id } });
    const erased = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'DELETE', password: TEST_PASSWORD, confirm: 'yes' },
      '/account/data/erase',
    );
    expect(erased.statusCode).toBe(303);
    const reply = await t.db.post.findUniqueOrThrow({ where: { id: anaReply } });
    expect(reply).toMatchObject({ status: 'DELETED', source: '', html: '', authorId: null });
    expect(await t.db.postRevision.count({ where: { postId: anaReply } })).toBe(0);
    const opening = await t.db.post.findFirstOrThrow({ where: { threadId: anaThread.id, isOpening: true } });
    expect(opening).toMatchObject({ status: 'DELETED', source: '' });
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: anaThread.id } })).title).toBe('');
    expect((await t.db.thread.findUniqueOrThrow({ where: { id: beaThread.id } })).replyCount).toBe(
      before.replyCount - 1,
    );
    // Bea's answers stay where they were, readable.
    expect(await t.db.post.findUniqueOrThrow({ where: { id: beaUnderAna } })).toMatchObject({
      parentId: anaReply,
      status: 'PUBLISHED',
    });
    expect(await t.db.post.findUniqueOrThrow({ where: { id: beaAnswer } })).toMatchObject({ status: 'PUBLISHED' });
    const page = await get(anaThread.url, bea.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Contestación de Bea');
    expect(page.body).not.toContain('Palabras de Ana');
    const other = await get(beaThread.url, bea.cookie);
    expect(other.body).toContain('Bea contesta a Ana');
    expect(other.body).not.toContain('Respuesta de Ana en el hilo de Bea');
  });

  it('waits for a held post and an open appeal, says so, and finishes once they are decided', async () => {
    const { c, ana, moderator } = { ...(await cast()), moderator: await person() };
    const held = await openThread(c.slug, ana.cookie, {
      title: 'Publicación retenida de Ana',
      body: 'Texto retenido de Ana sobre la relación de puestos de trabajo del ayuntamiento.',
    });
    const heldPost = await t.db.post.findFirstOrThrow({ where: { threadId: held.id } });
    await t.db.post.update({ where: { id: heldPost.id }, data: { status: 'HELD' } });
    await t.db.thread.update({ where: { id: held.id }, data: { restricted: true } });
    const review = await t.db.reviewItem.create({
      data: { communityId: c.id, kind: 'HELD_POST', postId: heldPost.id, pendingKey: `HELD_POST:${heldPost.id}` },
    });
    const appealed = await openThread(c.slug, ana.cookie, {
      title: 'Publicación recurrida de Ana',
      body: 'Texto recurrido de Ana sobre el convenio con la mancomunidad de servicios.',
    });
    const appealedPost = await t.db.post.findFirstOrThrow({ where: { threadId: appealed.id } });
    await t.db.post.update({ where: { id: appealedPost.id }, data: { status: 'HIDDEN' } });
    const decision = await t.db.moderationDecision.create({
      data: {
        communityId: c.id,
        postId: appealedPost.id,
        subjectId: ana.user.id,
        actorId: moderator.user.id,
        action: 'HIDE',
        detection: 'MODERATOR',
        statement: 'Fuera de tema',
      },
    });
    const appeal = await t.db.appeal.create({
      data: { decisionId: decision.id, appellantId: ana.user.id, note: 'No estoy de acuerdo' },
    });

    const page = await get('/account/data/erase', ana.cookie);
    expect(page.body).toContain('id="erase-waiting"');
    expect(page.body).toContain('2 de sus publicaciones no se pueden borrar todavía');
    expect(page.body).toContain('Retenida para revisión');
    expect(page.body).toContain('Con un recurso pendiente');

    const erased = await send(
      '/account/data/erase',
      ana.cookie,
      { mode: 'DELETE', password: TEST_PASSWORD, confirm: 'yes' },
      '/account/data/erase',
    );
    expect(erased.statusCode).toBe(303);
    expect(erased.headers.location).toBe('/account/erased?waiting=2');
    expect((await get(String(erased.headers.location))).body).toContain('2 publicaciones esperan');
    // The two wait, as they were, for the moderators; the rest is gone.
    expect(await t.db.post.findUniqueOrThrow({ where: { id: heldPost.id } })).toMatchObject({
      authorId: ana.user.id,
      status: 'HELD',
    });
    expect((await t.db.post.findUniqueOrThrow({ where: { id: appealedPost.id } })).source).toContain('recurrido');
    expect(await t.db.post.count({ where: { authorId: ana.user.id } })).toBe(2);
    // An hour later nothing is decided yet: the job leaves them.
    await t.app.jobs.queue.send(PRIVACY_JOBS.completeErasures, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.post.count({ where: { authorId: ana.user.id } })).toBe(2);

    // Decided: the held post approved, the appeal upheld. The next run applies Ana's choice.
    await t.db.post.update({ where: { id: heldPost.id }, data: { status: 'PUBLISHED' } });
    await t.db.reviewItem.update({ where: { id: review.id }, data: { resolvedAt: new Date(), pendingKey: null } });
    await t.db.appeal.update({ where: { id: appeal.id }, data: { decidedAt: new Date(), outcome: 'UPHELD' } });
    await t.app.jobs.queue.send(PRIVACY_JOBS.completeErasures, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.post.count({ where: { authorId: ana.user.id } })).toBe(0);
    expect(await t.db.post.findUniqueOrThrow({ where: { id: heldPost.id } })).toMatchObject({
      status: 'DELETED',
      source: '',
    });
    expect(await t.db.auditEntry.count({ where: { action: 'privacy.erase_completed', targetId: ana.user.id } })).toBe(
      1,
    );
    // Run again, nothing more to do.
    await t.app.jobs.queue.send(PRIVACY_JOBS.completeErasures, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.auditEntry.count({ where: { action: 'privacy.erase_completed', targetId: ana.user.id } })).toBe(
      1,
    );
  });
});

describe('retention rules (site admins)', () => {
  it('is for site admins only, refuses bad input beside the field, and deletes only older rows', async () => {
    const admin = await person({ role: 'ADMIN' });
    const someone = await person();
    expect((await get('/admin/retention', someone.cookie)).statusCode).toBe(404);
    const page = await get('/admin/retention', admin.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/retention"');

    for (const bad of ['-1', '0', '121', 'doce', '1.5']) {
      const response = await send(
        '/admin/retention',
        admin.cookie,
        { auditMonths: bad, refusedDecisionMonths: '6' },
        '/admin/retention',
      );
      expect(response.statusCode, bad).toBe(422);
      expect(fieldError(response.body, 'auditMonths'), bad).toContain('entre 1 y 120');
      expect(fieldError(response.body, 'refusedDecisionMonths')).toBeUndefined();
      expect(response.body).toContain(`value="${bad}"`);
    }
    const unchanged = await t.db.siteSettings.findUnique({ where: { id: 1 } });
    expect(unchanged?.auditRetentionMonths ?? null).toBeNull();

    const saved = await send(
      '/admin/retention',
      admin.cookie,
      { auditMonths: '12', refusedDecisionMonths: '6' },
      '/admin/retention',
    );
    expect(saved.statusCode).toBe(303);
    expect(await t.db.auditEntry.count({ where: { action: 'admin.retention_update' } })).toBe(1);

    const monthsAgo = (n: number) => new Date(Date.now() - n * 31 * 24 * 60 * 60 * 1000);
    const oldEntry = await t.db.auditEntry.create({
      data: { action: 'test.old', outcome: 'SUCCESS', at: monthsAgo(13) },
    });
    const keptEntry = await t.db.auditEntry.create({
      data: { action: 'test.kept', outcome: 'SUCCESS', at: monthsAgo(11) },
    });
    const { c, owner } = await community();
    const decision = (createdAt: Date, postId: string | null = null) =>
      t.db.policyDecision.create({
        data: {
          communityId: c.id,
          postId,
          chosenTag: 'PERSONAL',
          suggestedTag: 'PERSONAL',
          confidence: 0.9,
          outcome: postId ? 'ALLOW' : 'REJECT',
          createdAt,
        },
      });
    const oldRefusal = await decision(monthsAgo(7));
    const keptRefusal = await decision(monthsAgo(5));
    const thread = await openThread(c.slug, owner.cookie);
    const post = await t.db.post.findFirstOrThrow({ where: { threadId: thread.id } });
    const publishedDecision = await decision(monthsAgo(30), post.id);

    await t.app.jobs.queue.send(PRIVACY_JOBS.applyRetention, {});
    await t.app.jobs.queue.drain();
    expect(await t.db.auditEntry.findUnique({ where: { id: oldEntry.id } })).toBeNull();
    expect(await t.db.auditEntry.findUnique({ where: { id: keptEntry.id } })).not.toBeNull();
    expect(await t.db.policyDecision.findUnique({ where: { id: oldRefusal.id } })).toBeNull();
    expect(await t.db.policyDecision.findUnique({ where: { id: keptRefusal.id } })).not.toBeNull();
    expect(await t.db.policyDecision.findUnique({ where: { id: publishedDecision.id } })).not.toBeNull();
    const applied = await t.db.auditEntry.findFirstOrThrow({
      where: { action: 'privacy.retention_applied' },
      orderBy: { id: 'desc' },
    });
    expect(applied.details).toMatchObject({ auditEntries: 1, refusedDecisions: 1 });

    // Run again: nothing more to delete.
    await t.app.jobs.queue.send(PRIVACY_JOBS.applyRetention, {});
    await t.app.jobs.queue.drain();
    const second = await t.db.auditEntry.findFirstOrThrow({
      where: { action: 'privacy.retention_applied' },
      orderBy: { id: 'desc' },
    });
    expect(second.details).toMatchObject({ auditEntries: 0, refusedDecisions: 0 });
    expect(await t.db.auditEntry.findUnique({ where: { id: keptEntry.id } })).not.toBeNull();
  });
});
