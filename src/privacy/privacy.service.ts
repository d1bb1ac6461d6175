import type { AttachmentStore } from '../attachments/attachment-files.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/client.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { type AccountErasureService, createAccountErasureService } from './account-erasure.service.js';
import { createDataExportService, type DataExportService } from './data-export.service.js';
import { createRetentionService, type RetentionService } from './retention.service.js';

// Data-protection rights (issue 16, item 4): a person's copy of their data (GDPR Art. 15 and 20), the
// erasure of their account (Art. 17), and the site's retention rules (Art. 5(1)(e)). Built alike by the web
// process (its routes) and the job workers.

export interface PrivacyService {
  readonly exports: DataExportService;
  readonly erasure: AccountErasureService;
  readonly retention: RetentionService;
}

export function createPrivacyService({
  db,
  audit,
  queue,
  store,
  exports,
  notifyExportReady,
}: {
  db: Db;
  audit: AuditLog;
  queue: Pick<JobQueue, 'send'>;
  store: Pick<AttachmentStore, 'read' | 'remove'>;
  /** EXPORTS_DIR and EXPORTS_KEEP_DAYS. */
  exports: { readonly dir: string; readonly keepDays: number };
  notifyExportReady: (userId: string, exportId: string) => Promise<unknown>;
}): PrivacyService {
  const dataExports = createDataExportService({
    db,
    audit,
    queue,
    store,
    dir: exports.dir,
    keepDays: exports.keepDays,
    notifyReady: notifyExportReady,
  });
  return {
    exports: dataExports,
    erasure: createAccountErasureService({
      db,
      audit,
      store,
      removeExportFiles: (names) => dataExports.removeExportFiles(names),
    }),
    retention: createRetentionService({ db, audit }),
  };
}
