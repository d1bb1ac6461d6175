import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { AttachmentStore } from '../attachments/attachment-files.js';
import { AttachmentNotFoundError } from '../attachments/attachment-files.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { systemAuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Conflict, NotFound } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { exportEntryName } from './privacy-rules.js';

// A person's copy of everything Ágora holds about them (GDPR Art. 15, right of access, and Art. 20, data
// portability: "a structured, commonly used and machine-readable format"): a ZIP of JSON files and their own
// files, built by a job, kept for EXPORTS_KEEP_DAYS under a generated name, downloadable by them alone.
// Only what is about the person goes in: their own words (never the text they answered), decisions about
// them without the moderator's name, reports they filed (never who reported them), and of the audit log the
// entries they did or that were done to them — of the latter without the other person's address or details.

export const PRIVACY_JOBS = {
  buildExport: 'privacy.build-export',
  discardExpiredExports: 'privacy.discard-expired-exports',
  completeErasures: 'privacy.complete-erasures',
  applyRetention: 'privacy.apply-retention',
} as const;

/** Asked again while an export is being built: one at a time (the page says so). */
export class ExportPending extends Conflict {
  constructor() {
    super('A data export is already being prepared');
  }
}

export interface DataExportRow {
  readonly id: string;
  readonly status: 'PENDING' | 'READY';
  readonly createdAt: Date;
  readonly readyAt: Date | null;
  readonly expiresAt: Date | null;
  readonly size: number | null;
}

const STORAGE_NAME = /^[0-9a-f]{32}\.zip$/;

export function createDataExportService({
  db,
  audit,
  queue,
  store,
  dir,
  keepDays,
  notifyReady,
  now = () => new Date(),
}: {
  db: Db;
  audit: AuditLog;
  queue: Pick<JobQueue, 'send'>;
  /** The attachments folder: the person's files are copied from it. */
  store: Pick<AttachmentStore, 'read'>;
  /** EXPORTS_DIR. */
  dir: string;
  keepDays: number;
  /** Tells the person the export is ready (the DATA_EXPORT notification); idempotent per export. */
  notifyReady: (userId: string, exportId: string) => Promise<unknown>;
  now?: () => Date;
}) {
  const root = path.resolve(dir);
  const fileOf = (storageName: string) => {
    if (!STORAGE_NAME.test(storageName)) throw new Error(`not an export name: ${JSON.stringify(storageName)}`);
    return path.join(root, storageName);
  };

  /** Everything about `userId`, as the JSON files and the files of the archive. */
  async function collect(userId: string): Promise<{ json: Record<string, unknown>; files: Map<string, Buffer> }> {
    const user = await db.user.findUniqueOrThrow({
      where: { id: userId },
      select: {
        id: true,
        email: true,
        emailVerifiedAt: true,
        kind: true,
        role: true,
        status: true,
        handle: true,
        displayName: true,
        jobTitle: true,
        bio: true,
        expertise: true,
        locale: true,
        publicFields: true,
        timeZone: true,
        digestFrequency: true,
        digestHour: true,
        lastSeenAt: true,
        createdAt: true,
        updatedAt: true,
        organization: { select: { name: true, slug: true } },
        department: { select: { name: true } },
        avatar: { select: { webp: true, updatedAt: true } },
        officialVoices: { select: { createdAt: true, organization: { select: { name: true, slug: true } } } },
      },
    });
    const [
      posts,
      attachments,
      reactions,
      memberships,
      preferences,
      communityWatches,
      threadWatches,
      decisions,
      moderation,
      appeals,
      reports,
      sessions,
      auditEntries,
    ] = await Promise.all([
      db.post.findMany({
        where: { authorId: userId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: {
          id: true,
          threadId: true,
          parentId: true,
          isOpening: true,
          source: true,
          tag: true,
          status: true,
          createdAt: true,
          editedAt: true,
          deletedAt: true,
          onBehalfOf: { select: { name: true } },
          // The thread's title is the author's words only when they opened it.
          thread: { select: { title: true, community: { select: { slug: true, name: true } } } },
          revisions: {
            orderBy: { createdAt: 'asc' },
            select: { title: true, source: true, tag: true, writtenAt: true, createdAt: true },
          },
          attachments: { select: { id: true } },
        },
      }),
      db.attachment.findMany({
        where: { uploaderId: userId },
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          postId: true,
          storageName: true,
          displayName: true,
          mimeType: true,
          size: true,
          createdAt: true,
        },
      }),
      db.reaction.findMany({
        where: { userId },
        orderBy: { createdAt: 'asc' },
        select: { postId: true, kind: true, createdAt: true },
      }),
      db.membership.findMany({
        where: { userId },
        orderBy: { createdAt: 'asc' },
        select: { role: true, state: true, createdAt: true, community: { select: { slug: true, name: true } } },
      }),
      db.notificationPreference.findMany({ where: { userId }, select: { kind: true, delivery: true } }),
      db.communityWatch.findMany({ where: { userId }, select: { level: true, community: { select: { slug: true } } } }),
      db.threadWatch.findMany({ where: { userId }, select: { threadId: true, level: true } }),
      db.policyDecision.findMany({
        where: { authorId: userId },
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          postId: true,
          community: { select: { slug: true } },
          chosenTag: true,
          suggestedTag: true,
          confidence: true,
          cues: true,
          outcome: true,
          rules: true,
          confirmed: true,
          createdAt: true,
        },
      }),
      // Decisions about them, without the moderator (DSA Art. 17 statements never name them either).
      db.moderationDecision.findMany({
        where: { subjectId: userId },
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          postId: true,
          community: { select: { slug: true } },
          action: true,
          ground: true,
          detection: true,
          statement: true,
          statusBefore: true,
          statusAfter: true,
          createdAt: true,
        },
      }),
      db.appeal.findMany({
        where: { appellantId: userId },
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          decisionId: true,
          note: true,
          createdAt: true,
          outcome: true,
          reason: true,
          decidedAt: true,
        },
      }),
      // Reports they filed; reports about their posts are someone else's data (the reporter's).
      db.report.findMany({
        where: { reporterId: userId },
        orderBy: { createdAt: 'asc' },
        select: { postId: true, reason: true, note: true, createdAt: true },
      }),
      db.session.findMany({
        where: { userId },
        orderBy: { createdAt: 'asc' },
        select: { createdAt: true, expiresAt: true, userAgent: true, ipAddress: true, ssoProvider: true },
      }),
      db.auditEntry.findMany({
        where: { OR: [{ actorId: userId }, { targetType: 'user', targetId: userId }] },
        orderBy: { id: 'asc' },
        select: {
          id: true,
          at: true,
          actorId: true,
          action: true,
          targetType: true,
          targetId: true,
          outcome: true,
          ipAddress: true,
          details: true,
        },
      }),
    ]);

    const files = new Map<string, Buffer>();
    const attachmentEntries = [];
    for (const file of attachments) {
      const entry = exportEntryName(file.id, file.displayName);
      let included = true;
      try {
        files.set(entry, await store.read(file.storageName));
      } catch (error) {
        if (!(error instanceof AttachmentNotFoundError)) throw error;
        included = false;
      }
      attachmentEntries.push({
        id: file.id,
        postId: file.postId,
        name: file.displayName,
        mimeType: file.mimeType,
        size: file.size,
        uploadedAt: file.createdAt,
        file: included ? entry : null,
      });
    }
    if (user.avatar) files.set('avatar.webp', Buffer.from(user.avatar.webp));

    const { avatar, ...profile } = user;
    return {
      files,
      json: {
        'profile.json': {
          ...profile,
          avatar: avatar ? { file: 'avatar.webp', updatedAt: avatar.updatedAt } : null,
        },
        'posts.json': posts.map(({ thread, onBehalfOf, attachments: own, revisions, ...post }) => ({
          ...post,
          community: thread.community,
          threadTitle: post.isOpening ? thread.title : undefined,
          onBehalfOf: onBehalfOf?.name ?? null,
          attachments: own.map((a) => a.id),
          revisions: revisions.map((r) => ({ ...r, title: post.isOpening ? r.title : undefined })),
        })),
        'attachments.json': attachmentEntries,
        'reactions.json': reactions,
        'memberships.json': memberships,
        'notifications.json': {
          digest: { frequency: user.digestFrequency, hour: user.digestHour, timeZone: user.timeZone },
          preferences,
          communityWatches: communityWatches.map((w) => ({ community: w.community.slug, level: w.level })),
          threadWatches,
        },
        'policy-decisions.json': decisions.map(({ community, ...d }) => ({ ...d, community: community.slug })),
        'moderation.json': {
          decisionsAboutMe: moderation.map(({ community, ...d }) => ({ ...d, community: community.slug })),
          myAppeals: appeals,
          reportsIFiled: reports,
        },
        'sessions.json': sessions,
        'audit.json': auditEntries.map((entry) => {
          const byMe = entry.actorId === userId;
          const aboutSomeoneElse = entry.targetType === 'user' && entry.targetId !== userId;
          return {
            id: entry.id.toString(),
            at: entry.at,
            byMe,
            action: entry.action,
            outcome: entry.outcome,
            targetType: entry.targetType,
            // Another person's id, address or details are theirs, not the asker's.
            targetId: aboutSomeoneElse ? null : entry.targetId,
            ipAddress: byMe ? entry.ipAddress : null,
            details: byMe && !aboutSomeoneElse ? entry.details : null,
          };
        }),
      },
    };
  }

  async function writeArchive(target: string, content: Awaited<ReturnType<typeof collect>>, mtime: Date) {
    const zip = new ZipFile();
    const manifest = {
      format: 'agora-data-export/1',
      generatedAt: mtime,
      files: [...Object.keys(content.json), ...content.files.keys()],
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime });
    for (const [name, value] of Object.entries(content.json)) {
      zip.addBuffer(Buffer.from(`${JSON.stringify(value, null, 2)}\n`), name, { mtime });
    }
    for (const [name, bytes] of content.files) zip.addBuffer(bytes, name, { mtime, compress: false });
    zip.end();
    await mkdir(root, { recursive: true, mode: 0o750 });
    // Written beside the target and renamed: a download sees the whole archive or none.
    const temporary = path.join(root, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await pipeline(zip.outputStream, createWriteStream(temporary, { mode: 0o640 }));
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async function removeFile(storageName: string): Promise<void> {
    await unlink(fileOf(storageName)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  return {
    /** The person's exports that can still be downloaded or are being built, newest first. */
    async listExports(userId: string): Promise<DataExportRow[]> {
      return db.dataExport.findMany({
        where: { userId, OR: [{ status: 'PENDING' }, { expiresAt: { gt: now() } }] },
        orderBy: { createdAt: 'desc' },
        take: 10,
        select: { id: true, status: true, createdAt: true, readyAt: true, expiresAt: true, size: true },
      });
    },

    /**
     * Asks for a copy of everything about the viewer (GDPR Art. 15 and 20): the row and its job commit together.
     * ExportPending when one is already being built (one at a time, by the unique `pendingKey`).
     */
    async requestExport(userId: string, context: AuditContext): Promise<{ id: string }> {
      const storageName = `${randomBytes(16).toString('hex')}.zip`;
      try {
        return await db.$transaction(async (tx) => {
          const row = await tx.dataExport.create({
            data: { userId, pendingKey: userId, storageName },
            select: { id: true },
          });
          await queue.send(PRIVACY_JOBS.buildExport, { exportId: row.id }, { tx, singletonKey: row.id });
          await audit.record(
            context,
            {
              action: 'privacy.export_request',
              outcome: 'SUCCESS',
              target: { type: 'user', id: userId },
              details: { exportId: row.id },
            },
            tx,
          );
          return row;
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') throw new ExportPending();
        throw error;
      }
    },

    /**
     * The job: builds the archive of a pending export, marks it ready and tells the person. Idempotent: a
     * retried job writes the same file name again (chosen when asked) and a ready export is left alone, so
     * one archive and one notification come of it. An export whose person is gone is dropped.
     */
    async buildExport(exportId: string): Promise<'built' | 'already-ready' | 'gone'> {
      const row = await db.dataExport.findUnique({
        where: { id: exportId },
        select: { id: true, userId: true, status: true, storageName: true, createdAt: true },
      });
      if (!row) return 'gone';
      if (row.status === 'READY') {
        await notifyReady(row.userId, row.id);
        return 'already-ready';
      }
      const content = await collect(row.userId);
      await writeArchive(fileOf(row.storageName), content, row.createdAt);
      const { size } = await stat(fileOf(row.storageName));
      const readyAt = now();
      const expiresAt = new Date(readyAt.getTime() + keepDays * 24 * 60 * 60 * 1000);
      await db.$transaction(async (tx) => {
        const updated = await tx.dataExport.updateMany({
          where: { id: row.id, status: 'PENDING' },
          data: { status: 'READY', pendingKey: null, readyAt, expiresAt, size },
        });
        if (updated.count === 0) return;
        await audit.record(
          systemAuditContext(),
          {
            action: 'privacy.export_ready',
            outcome: 'SUCCESS',
            target: { type: 'user', id: row.userId },
            details: { exportId: row.id, size, files: Object.keys(content.json).length + content.files.size },
          },
          tx,
        );
      });
      await notifyReady(row.userId, row.id);
      return 'built';
    },

    /**
     * The archive the viewer may download: theirs, ready and not expired. NotFound otherwise — the same answer
     * for another person's export as for one that never existed. The download is audited.
     */
    async openExport(
      userId: string,
      exportId: string,
      context: AuditContext,
    ): Promise<{ file: string; fileName: string; size: number }> {
      const row = await db.dataExport.findFirst({
        where: { id: exportId, userId, status: 'READY', expiresAt: { gt: now() } },
        select: { id: true, storageName: true, size: true, readyAt: true },
      });
      if (!row) throw new NotFound('No such export');
      const file = fileOf(row.storageName);
      try {
        await stat(file);
      } catch {
        throw new NotFound('No such export');
      }
      await audit.record(context, {
        action: 'privacy.export_download',
        outcome: 'SUCCESS',
        target: { type: 'user', id: userId },
        details: { exportId: row.id },
      });
      const day = (row.readyAt ?? now()).toISOString().slice(0, 10);
      return { file, fileName: `agora-data-${day}.zip`, size: row.size ?? 0 };
    },

    /** The hourly job: deletes exports past their time, rows then files. Run again, it finds nothing. */
    async discardExpiredExports(): Promise<number> {
      const expired = await db.dataExport.findMany({
        where: { status: 'READY', expiresAt: { lte: now() } },
        select: { id: true, storageName: true },
        take: 1000,
      });
      if (expired.length === 0) return 0;
      await db.dataExport.deleteMany({ where: { id: { in: expired.map((row) => row.id) } } });
      for (const row of expired) await removeFile(row.storageName);
      return expired.length;
    },

    /** Deletes the files of a person's exports (their rows go with the account's erasure). */
    async removeExportFiles(storageNames: readonly string[]): Promise<void> {
      for (const name of storageNames) await removeFile(name);
    },
  };
}

export type DataExportService = ReturnType<typeof createDataExportService>;
