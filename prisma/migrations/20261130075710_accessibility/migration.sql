-- CreateEnum
CREATE TYPE "AccessibilityReportKind" AS ENUM ('PROBLEM', 'INFORMATION', 'COMPLAINT');

-- AlterTable
ALTER TABLE "site_settings" ADD COLUMN     "accessibility_body" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "accessibility_email" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "accessibility_reports" (
    "id" UUID NOT NULL,
    "kind" "AccessibilityReportKind" NOT NULL,
    "page_url" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL,
    "contact_email" TEXT NOT NULL,
    "user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "accessibility_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "accessibility_reports_answered_at_created_at_idx" ON "accessibility_reports"("answered_at", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "accessibility_reports" ADD CONSTRAINT "accessibility_reports_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
