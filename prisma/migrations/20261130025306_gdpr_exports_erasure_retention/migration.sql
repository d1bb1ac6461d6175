-- CreateEnum
CREATE TYPE "ErasureMode" AS ENUM ('TOMBSTONE', 'DELETE');

-- CreateEnum
CREATE TYPE "DataExportStatus" AS ENUM ('PENDING', 'READY');

-- AlterEnum
ALTER TYPE "NotificationKind" ADD VALUE 'DATA_EXPORT';

-- AlterTable
ALTER TABLE "notifications" ALTER COLUMN "community_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "site_settings" ADD COLUMN     "audit_retention_months" INTEGER,
ADD COLUMN     "refused_decision_retention_months" INTEGER;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "erased_at" TIMESTAMPTZ(3),
ADD COLUMN     "erasure_mode" "ErasureMode";

-- CreateTable
CREATE TABLE "data_exports" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" "DataExportStatus" NOT NULL DEFAULT 'PENDING',
    "pending_key" TEXT,
    "storage_name" TEXT NOT NULL,
    "size" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "data_exports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "data_exports_pending_key_key" ON "data_exports"("pending_key");

-- CreateIndex
CREATE UNIQUE INDEX "data_exports_storage_name_key" ON "data_exports"("storage_name");

-- CreateIndex
CREATE INDEX "data_exports_user_id_created_at_idx" ON "data_exports"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "data_exports_expires_at_idx" ON "data_exports"("expires_at");

-- AddForeignKey
ALTER TABLE "data_exports" ADD CONSTRAINT "data_exports_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
