-- AlterTable
ALTER TABLE "threads" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);
