-- CreateTable
CREATE TABLE "thread_topics" (
    "topic_id" UUID NOT NULL,
    "thread_id" UUID NOT NULL,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "thread_topics_pkey" PRIMARY KEY ("topic_id","thread_id")
);

-- CreateIndex
CREATE INDEX "thread_topics_topic_id_last_activity_at_thread_id_idx" ON "thread_topics"("topic_id", "last_activity_at" DESC, "thread_id" DESC);

-- CreateIndex
CREATE INDEX "thread_topics_thread_id_idx" ON "thread_topics"("thread_id");

-- AddForeignKey
ALTER TABLE "thread_topics" ADD CONSTRAINT "thread_topics_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread_topics" ADD CONSTRAINT "thread_topics_thread_id_fkey" FOREIGN KEY ("thread_id") REFERENCES "threads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ── Kept by triggers: a thread is on topic T while one of its posts has T (post_topics); its row carries
-- the thread's last_activity_at, updated when the thread's is. The topic page still checks each row it
-- shows (a published post on the topic, a listed thread, a readable community): this only orders them.
CREATE OR REPLACE FUNCTION thread_topics_on_post_topic() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
DECLARE
  changed record;
  thread uuid;
BEGIN
  changed := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  SELECT p.thread_id INTO thread FROM posts p WHERE p.id = changed.post_id;
  -- The post itself is being deleted (a cascade): the thread's other posts are checked below if it stays.
  IF thread IS NULL THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM post_topics pt JOIN posts p ON p.id = pt.post_id
              WHERE pt.topic_id = changed.topic_id AND p.thread_id = thread) THEN
    INSERT INTO thread_topics (topic_id, thread_id, last_activity_at)
    SELECT changed.topic_id, t.id, t.last_activity_at FROM threads t WHERE t.id = thread
    ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM thread_topics WHERE topic_id = changed.topic_id AND thread_id = thread;
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER thread_topics_on_post_topic AFTER INSERT OR DELETE ON post_topics
  FOR EACH ROW EXECUTE FUNCTION thread_topics_on_post_topic();

CREATE OR REPLACE FUNCTION thread_topics_on_thread() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  UPDATE thread_topics SET last_activity_at = NEW.last_activity_at WHERE thread_id = NEW.id;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER thread_topics_on_thread AFTER UPDATE OF last_activity_at ON threads
  FOR EACH ROW WHEN (OLD.last_activity_at IS DISTINCT FROM NEW.last_activity_at)
  EXECUTE FUNCTION thread_topics_on_thread();

-- The threads already written.
INSERT INTO thread_topics (topic_id, thread_id, last_activity_at)
SELECT DISTINCT pt.topic_id, t.id, t.last_activity_at
  FROM post_topics pt JOIN posts p ON p.id = pt.post_id JOIN threads t ON t.id = p.thread_id
ON CONFLICT DO NOTHING;
