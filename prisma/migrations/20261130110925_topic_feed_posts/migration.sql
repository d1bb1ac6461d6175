-- CreateTable
CREATE TABLE "topic_feed_posts" (
    "topic_id" UUID NOT NULL,
    "post_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "topic_feed_posts_pkey" PRIMARY KEY ("topic_id","post_id")
);

-- CreateIndex
CREATE INDEX "topic_feed_posts_topic_id_created_at_post_id_idx" ON "topic_feed_posts"("topic_id", "created_at" DESC, "post_id" DESC);

-- CreateIndex
CREATE INDEX "topic_feed_posts_post_id_idx" ON "topic_feed_posts"("post_id");

-- AddForeignKey
ALTER TABLE "topic_feed_posts" ADD CONSTRAINT "topic_feed_posts_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "topic_feed_posts" ADD CONSTRAINT "topic_feed_posts_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ── Kept by triggers: a post is on topic T for the feed when it has T itself, or when its thread's
-- opening post has T (src/feed/feed.service.ts). Any change to a post's topics recomputes that topic's
-- rows for the post's thread (its opening post's topics reach every reply); a new post takes its thread's
-- opening post's topics. Posts and topics deleted take their rows with them (foreign keys).
CREATE OR REPLACE FUNCTION topic_feed_posts_refresh(topic uuid, thread uuid) RETURNS void
LANGUAGE sql
-- Planned on each call: a plan cached while the tables were small (a fresh site, a bulk insert) would
-- keep scanning them whole as they grow.
SET plan_cache_mode = force_custom_plan AS $refresh$
  DELETE FROM topic_feed_posts f USING posts p
   WHERE f.topic_id = topic AND f.post_id = p.id AND p.thread_id = thread;
  INSERT INTO topic_feed_posts (topic_id, post_id, created_at)
  SELECT topic, p.id, p.created_at FROM posts p
   WHERE p.thread_id = thread
     AND (EXISTS (SELECT 1 FROM post_topics pt WHERE pt.topic_id = topic AND pt.post_id = p.id)
          OR EXISTS (SELECT 1 FROM post_topics pt JOIN posts op ON op.id = pt.post_id
                      WHERE pt.topic_id = topic AND op.thread_id = thread AND op.is_opening))
  ON CONFLICT DO NOTHING;
$refresh$;

CREATE OR REPLACE FUNCTION topic_feed_posts_on_post_topic() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
DECLARE
  changed record;
  thread uuid;
BEGIN
  changed := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  SELECT p.thread_id INTO thread FROM posts p WHERE p.id = changed.post_id;
  -- The post itself is being deleted (a cascade): its rows go with it.
  IF thread IS NOT NULL THEN
    PERFORM topic_feed_posts_refresh(changed.topic_id, thread);
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER topic_feed_posts_on_post_topic AFTER INSERT OR DELETE ON post_topics
  FOR EACH ROW EXECUTE FUNCTION topic_feed_posts_on_post_topic();

CREATE OR REPLACE FUNCTION topic_feed_posts_on_post() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  -- The thread's opening post is its earliest: one step down the (thread, created at) index.
  INSERT INTO topic_feed_posts (topic_id, post_id, created_at)
  SELECT pt.topic_id, NEW.id, NEW.created_at
    FROM post_topics pt
   WHERE pt.post_id = (SELECT op.id FROM posts op WHERE op.thread_id = NEW.thread_id AND op.is_opening
                        ORDER BY op.created_at, op.id LIMIT 1)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$trigger$;

-- Replies only: an opening post's topics arrive with its post_topics rows (the trigger above).
CREATE TRIGGER topic_feed_posts_on_post AFTER INSERT ON posts
  FOR EACH ROW WHEN (NOT NEW.is_opening) EXECUTE FUNCTION topic_feed_posts_on_post();

-- The posts already written.
INSERT INTO topic_feed_posts (topic_id, post_id, created_at)
SELECT pt.topic_id, p.id, p.created_at FROM post_topics pt JOIN posts p ON p.id = pt.post_id
UNION
SELECT pt.topic_id, r.id, r.created_at
  FROM post_topics pt
  JOIN posts op ON op.id = pt.post_id AND op.is_opening
  JOIN posts r ON r.thread_id = op.thread_id
ON CONFLICT DO NOTHING;
