-- CreateIndex
CREATE INDEX "communities_name_id_idx" ON "communities"("name", "id");

-- CreateIndex
CREATE INDEX "threads_last_activity_at_id_idx" ON "threads"("last_activity_at" DESC, "id" DESC);
