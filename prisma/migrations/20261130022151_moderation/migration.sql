-- CreateEnum
CREATE TYPE "WatchedWordAction" AS ENUM ('BLOCK', 'HOLD', 'FLAG');

-- CreateEnum
CREATE TYPE "ModerationGround" AS ENUM ('PERSONAL_DATA', 'CONFIDENTIAL', 'HARASSMENT', 'SPAM', 'OFF_TOPIC', 'WATCHED_WORD', 'OTHER');

-- CreateEnum
CREATE TYPE "ReviewItemKind" AS ENUM ('HELD_POST', 'REPORTED_POST', 'APPEAL');

-- CreateEnum
CREATE TYPE "ModerationActionKind" AS ENUM ('APPROVE', 'REJECT', 'HIDE', 'RESTORE', 'DISMISS_REPORTS', 'BAN');

-- CreateEnum
CREATE TYPE "ModerationDetection" AS ENUM ('AUTOMATED', 'REPORT', 'MODERATOR');

-- CreateEnum
CREATE TYPE "AppealOutcome" AS ENUM ('UPHELD', 'REVERSED');

-- AlterEnum
ALTER TYPE "NotificationKind" ADD VALUE 'MODERATION';

-- AlterTable
ALTER TABLE "threads" ADD COLUMN     "restricted" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "watched_words" (
    "id" UUID NOT NULL,
    "community_id" UUID,
    "phrase" TEXT NOT NULL,
    "scoped_key" TEXT NOT NULL,
    "action" "WatchedWordAction" NOT NULL,
    "added_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "watched_words_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reports" (
    "id" UUID NOT NULL,
    "post_id" UUID NOT NULL,
    "reporter_id" UUID NOT NULL,
    "reason" "ModerationGround" NOT NULL,
    "note" TEXT,
    "review_item_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_items" (
    "id" UUID NOT NULL,
    "community_id" UUID NOT NULL,
    "kind" "ReviewItemKind" NOT NULL,
    "post_id" UUID,
    "appeal_id" UUID,
    "pending_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "review_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "moderation_decisions" (
    "id" UUID NOT NULL,
    "community_id" UUID NOT NULL,
    "post_id" UUID,
    "subject_id" UUID,
    "actor_id" UUID,
    "action" "ModerationActionKind" NOT NULL,
    "ground" "ModerationGround",
    "detection" "ModerationDetection" NOT NULL,
    "statement" TEXT NOT NULL DEFAULT '',
    "status_before" "PostStatus",
    "status_after" "PostStatus",
    "review_item_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "moderation_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appeals" (
    "id" UUID NOT NULL,
    "decision_id" UUID NOT NULL,
    "appellant_id" UUID,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" "AppealOutcome",
    "reason" TEXT,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "appeals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "watched_words_scoped_key_key" ON "watched_words"("scoped_key");

-- CreateIndex
CREATE INDEX "watched_words_community_id_idx" ON "watched_words"("community_id");

-- CreateIndex
CREATE INDEX "reports_reporter_id_created_at_idx" ON "reports"("reporter_id", "created_at");

-- CreateIndex
CREATE INDEX "reports_review_item_id_idx" ON "reports"("review_item_id");

-- CreateIndex
CREATE UNIQUE INDEX "reports_post_id_reporter_id_key" ON "reports"("post_id", "reporter_id");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_appeal_id_key" ON "review_items"("appeal_id");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_pending_key_key" ON "review_items"("pending_key");

-- CreateIndex
CREATE INDEX "review_items_community_id_resolved_at_created_at_idx" ON "review_items"("community_id", "resolved_at", "created_at");

-- CreateIndex
CREATE INDEX "review_items_resolved_at_created_at_idx" ON "review_items"("resolved_at", "created_at");

-- CreateIndex
CREATE INDEX "moderation_decisions_subject_id_created_at_idx" ON "moderation_decisions"("subject_id", "created_at");

-- CreateIndex
CREATE INDEX "moderation_decisions_community_id_created_at_idx" ON "moderation_decisions"("community_id", "created_at");

-- CreateIndex
CREATE INDEX "moderation_decisions_post_id_idx" ON "moderation_decisions"("post_id");

-- CreateIndex
CREATE UNIQUE INDEX "appeals_decision_id_key" ON "appeals"("decision_id");

-- AddForeignKey
ALTER TABLE "watched_words" ADD CONSTRAINT "watched_words_community_id_fkey" FOREIGN KEY ("community_id") REFERENCES "communities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "watched_words" ADD CONSTRAINT "watched_words_added_by_id_fkey" FOREIGN KEY ("added_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_review_item_id_fkey" FOREIGN KEY ("review_item_id") REFERENCES "review_items"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_community_id_fkey" FOREIGN KEY ("community_id") REFERENCES "communities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_decisions" ADD CONSTRAINT "moderation_decisions_community_id_fkey" FOREIGN KEY ("community_id") REFERENCES "communities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_decisions" ADD CONSTRAINT "moderation_decisions_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_decisions" ADD CONSTRAINT "moderation_decisions_subject_id_fkey" FOREIGN KEY ("subject_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_decisions" ADD CONSTRAINT "moderation_decisions_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_decisions" ADD CONSTRAINT "moderation_decisions_review_item_id_fkey" FOREIGN KEY ("review_item_id") REFERENCES "review_items"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_decision_id_fkey" FOREIGN KEY ("decision_id") REFERENCES "moderation_decisions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_appellant_id_fkey" FOREIGN KEY ("appellant_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_decided_by_id_fkey" FOREIGN KEY ("decided_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
