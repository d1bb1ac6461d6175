-- /solved?q= ranks the newest questions with an accepted answer whose question or accepted answer has the
-- words (src/search/search.service.ts newestQuestions). For a word in most posts it walks the solved
-- questions by when they were asked, newest first, and looks at each one's two posts, instead of reading
-- every match (2 s at the bench's million posts); their own index, in that order, holds them only.
CREATE INDEX "threads_solved_created_at_id_idx" ON "threads" ("created_at" DESC, "id" DESC)
  WHERE "kind" = 'QUESTION' AND "accepted_post_id" IS NOT NULL AND NOT "restricted";
