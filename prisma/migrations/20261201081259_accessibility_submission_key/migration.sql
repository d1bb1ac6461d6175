-- AlterTable
ALTER TABLE "accessibility_reports" ADD COLUMN     "submission_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "accessibility_reports_submission_key_key" ON "accessibility_reports"("submission_key");
