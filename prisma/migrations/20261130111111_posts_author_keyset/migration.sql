-- A person's posts newest first, in keyset order (created at, id): the home feed reads each followed
-- person's newest posts from here and stops after a page (the old index had no id, so every post of
-- each followed person was read and sorted).
-- DropIndex
DROP INDEX "posts_author_id_created_at_idx";

-- CreateIndex
CREATE INDEX "posts_author_id_created_at_id_idx" ON "posts"("author_id", "created_at" DESC, "id" DESC);
