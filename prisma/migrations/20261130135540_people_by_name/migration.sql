-- CreateIndex
CREATE INDEX "users_display_name_id_idx" ON "users"("display_name", "id");
