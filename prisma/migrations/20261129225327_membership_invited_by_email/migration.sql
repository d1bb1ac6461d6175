-- AlterTable
ALTER TABLE "memberships" ADD COLUMN     "invited_by_email" BOOLEAN NOT NULL DEFAULT false;
