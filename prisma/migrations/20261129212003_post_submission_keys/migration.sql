-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "submission_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "posts_author_id_submission_key_key" ON "posts"("author_id", "submission_key");
