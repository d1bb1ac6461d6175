import { createAttachmentStore } from '../attachments/attachment-files.js';
import { discardStaleUploads } from '../attachments/stale-uploads.js';
import { createAuditLog } from '../audit/audit.service.js';
import { BALANCE_JOBS, createBalanceRollup } from '../balance/balance-rollup.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Mailer } from '../email/mailer.js';
import {
  createNotificationEvents,
  createNotificationFanOut,
  NOTIFICATION_JOBS,
  type NotificationEvents,
} from '../notifications/notification-fanout.js';
import { createNotificationMail, createSigningKeys, type SigningKeys } from '../notifications/notification-mail.js';
import { PRIVACY_JOBS } from '../privacy/data-export.service.js';
import { createPrivacyService } from '../privacy/privacy.service.js';
import { createJobQueue, type JobData, type JobQueue, type JobQueueLog } from './job-queue.js';

// Ágora's queues and what works them, built alike by the web process (app.ts) and `npm run worker`
// (worker.ts): a job never needs an HTTP request.

export const ATTACHMENT_JOBS = { discardStale: 'attachments.discard-stale' } as const;

export interface Jobs {
  readonly queue: JobQueue;
  /** What requests enqueue when something happens that people are told of. */
  readonly events: NotificationEvents;
  readonly keys: SigningKeys;
}

function text(data: JobData, key: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value === '') throw new Error(`job data lacks ${key}`);
  return value;
}

export function createJobs({
  config,
  db,
  databaseUrl,
  mailer,
  log,
  workers,
}: {
  config: Config;
  db: Db;
  databaseUrl: string;
  mailer: Mailer;
  log: JobQueueLog;
  /** Whether this process works the queues (and keeps the schedules). */
  workers: boolean;
}): Jobs {
  const keys = createSigningKeys(db);
  const store = createAttachmentStore(config.attachments.dir);
  // The handlers reach the queue through this binding: the fan-out enqueues e-mails as it goes.
  let queue: JobQueue;
  const fanOut = () => createNotificationFanOut({ db, queue });
  const mail = () => createNotificationMail({ db, mailer, queue, keys, publicUrl: config.publicUrl, log });
  const privacy = () =>
    createPrivacyService({
      db,
      audit: createAuditLog({ db }),
      queue,
      store,
      exports: config.exports,
      notifyExportReady: (userId, exportId) => fanOut().dataExportReady(userId, exportId),
    });
  queue = createJobQueue({
    databaseUrl,
    workers,
    maintenance: workers,
    log,
    poolMax: 4,
    queues: [
      {
        name: NOTIFICATION_JOBS.postPublished,
        handler: async (data) => void (await fanOut().postPublished(text(data, 'postId'), data.edited === true)),
      },
      {
        name: NOTIFICATION_JOBS.answerAccepted,
        handler: async (data) => void (await fanOut().answerAccepted(text(data, 'postId'))),
      },
      {
        name: NOTIFICATION_JOBS.reacted,
        handler: async (data) =>
          void (await fanOut().reacted(text(data, 'postId'), text(data, 'reaction') === 'USEFUL' ? 'USEFUL' : 'LIKE')),
      },
      {
        name: NOTIFICATION_JOBS.joinRequested,
        handler: async (data) => void (await fanOut().joinRequested(text(data, 'communityId'), text(data, 'userId'))),
      },
      {
        name: NOTIFICATION_JOBS.invited,
        handler: async (data) =>
          void (await fanOut().invited(
            text(data, 'communityId'),
            text(data, 'userId'),
            typeof data.invitedById === 'string' ? data.invitedById : null,
          )),
      },
      {
        name: NOTIFICATION_JOBS.moderated,
        handler: async (data) => void (await fanOut().moderated(text(data, 'decisionId'), data.appealDecided === true)),
      },
      {
        name: NOTIFICATION_JOBS.email,
        concurrency: 4,
        handler: async (data) => void (await mail().sendNotificationEmail(text(data, 'notificationId'))),
      },
      {
        name: NOTIFICATION_JOBS.digestSweep,
        cron: '0 * * * *',
        handler: async () => void (await mail().sweepDigests()),
      },
      {
        name: NOTIFICATION_JOBS.digest,
        concurrency: 4,
        handler: async (data) => void (await mail().sendDigest(text(data, 'userId'), text(data, 'period'))),
      },
      {
        name: ATTACHMENT_JOBS.discardStale,
        cron: '17 * * * *',
        handler: async () => void (await discardStaleUploads({ db, store })),
      },
      // The balance's weekly roll-up (issue 13, item 4): the weeks writes touched, every five minutes and
      // once at start (app.ts, worker.ts). Idempotent: a week is recomputed whole.
      {
        name: BALANCE_JOBS.catchUp,
        cron: '*/5 * * * *',
        handler: async () => void (await createBalanceRollup({ db, timeZone: config.timeZone }).catchUp()),
      },
      // Data-protection rights (GDPR Art. 15, 17, 20 and 5(1)(e)): see src/privacy/.
      {
        name: PRIVACY_JOBS.buildExport,
        handler: async (data) => void (await privacy().exports.buildExport(text(data, 'exportId'))),
      },
      {
        name: PRIVACY_JOBS.discardExpiredExports,
        cron: '23 * * * *',
        handler: async () => void (await privacy().exports.discardExpiredExports()),
      },
      {
        name: PRIVACY_JOBS.completeErasures,
        cron: '41 * * * *',
        handler: async () => void (await privacy().erasure.completePendingErasures()),
      },
      {
        name: PRIVACY_JOBS.applyRetention,
        cron: '30 3 * * *',
        handler: async () => void (await privacy().retention.applyRetention()),
      },
    ],
  });
  return { queue, events: createNotificationEvents(queue), keys };
}
