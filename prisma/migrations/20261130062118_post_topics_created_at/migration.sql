-- AlterTable
ALTER TABLE "post_topics" ADD COLUMN     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Topics already linked take their post's time.
UPDATE "post_topics" pt SET "created_at" = p."created_at" FROM "posts" p WHERE p."id" = pt."post_id";

-- CreateIndex
CREATE INDEX "post_topics_topic_id_created_at_post_id_idx" ON "post_topics"("topic_id", "created_at" DESC, "post_id" DESC);
