-- AlterTable
ALTER TABLE "threads" ADD COLUMN     "page_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "page_epoch" (
    "id" INTEGER NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "page_epoch_pkey" PRIMARY KEY ("id")
);

-- ── Kept by triggers (ADR 024): what the signed-out thread page's cache is keyed by (threads/page-cache.ts),
-- beside the thread's and its community's rows, which the page reads anyway. `threads.page_version`
-- changes in the same transaction as anything the page shows of the thread's posts: the posts themselves
-- (text, status, tag, voice, edits, moves), their files, reactions, latest policy decisions and mentions.
-- `page_epoch` changes with anything it shows of people and organizations, which may appear on any
-- number of threads: a name, a handle, a kind, a status, what a profile makes public, a verified
-- address, an organization (its name). Both change before their transaction commits, so a page read
-- with a version is never older than that version (the version is read first). A missed source would
-- show a signed-out reader a stale page, so each one has a test (tests/integration/thread-page-cache.test.ts).

INSERT INTO page_epoch (id, version) VALUES (1, 0);

CREATE OR REPLACE FUNCTION thread_page_versions_bump(ids uuid[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $bump$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- Rows locked in one order, so two statements touching the same threads never wait on each other crosswise.
  PERFORM 1 FROM threads t WHERE t.id = ANY(ids) ORDER BY t.id FOR NO KEY UPDATE;
  UPDATE threads t
     SET page_version = CASE WHEN t.page_version >= 2147483646 THEN 0 ELSE t.page_version + 1 END
   WHERE t.id = ANY(ids);
END
$bump$;

CREATE OR REPLACE FUNCTION thread_page_versions_on_posts() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM thread_page_versions_bump(ARRAY(SELECT DISTINCT n.thread_id FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM thread_page_versions_bump(ARRAY(SELECT DISTINCT o.thread_id FROM old_rows o));
  ELSE
    PERFORM thread_page_versions_bump(ARRAY(
      SELECT n.thread_id FROM new_rows n UNION SELECT o.thread_id FROM old_rows o));
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER thread_page_versions_on_posts_insert AFTER INSERT ON posts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_posts();
CREATE TRIGGER thread_page_versions_on_posts_update AFTER UPDATE ON posts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_posts();
CREATE TRIGGER thread_page_versions_on_posts_delete AFTER DELETE ON posts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_posts();

-- Reactions, files, policy decisions and mentions: the threads of the posts they belong to (a post deleted
-- with them has bumped its thread already).
CREATE OR REPLACE FUNCTION thread_page_versions_on_post_parts() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM thread_page_versions_bump(ARRAY(
      SELECT DISTINCT p.thread_id FROM posts p WHERE p.id IN (SELECT n.post_id FROM new_rows n)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM thread_page_versions_bump(ARRAY(
      SELECT DISTINCT p.thread_id FROM posts p WHERE p.id IN (SELECT o.post_id FROM old_rows o)));
  ELSE
    PERFORM thread_page_versions_bump(ARRAY(
      SELECT DISTINCT p.thread_id FROM posts p
       WHERE p.id IN (SELECT n.post_id FROM new_rows n UNION SELECT o.post_id FROM old_rows o)));
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER thread_page_versions_on_reactions_insert AFTER INSERT ON reactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_reactions_update AFTER UPDATE ON reactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_reactions_delete AFTER DELETE ON reactions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();

CREATE TRIGGER thread_page_versions_on_attachments_insert AFTER INSERT ON attachments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_attachments_update AFTER UPDATE ON attachments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_attachments_delete AFTER DELETE ON attachments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();

CREATE TRIGGER thread_page_versions_on_policy_decisions_insert AFTER INSERT ON policy_decisions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_policy_decisions_update AFTER UPDATE ON policy_decisions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_policy_decisions_delete AFTER DELETE ON policy_decisions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();

CREATE TRIGGER thread_page_versions_on_mentions_insert AFTER INSERT ON mentions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_mentions_update AFTER UPDATE ON mentions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();
CREATE TRIGGER thread_page_versions_on_mentions_delete AFTER DELETE ON mentions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION thread_page_versions_on_post_parts();

CREATE OR REPLACE FUNCTION page_epoch_bump() RETURNS void
LANGUAGE sql AS $bump$
  UPDATE page_epoch SET version = version + 1 WHERE id = 1;
$bump$;

-- People: only what a thread page shows of them (bylines: post.eta; mentions: post-mentions.ts), so the
-- minute a page was last seen (last_seen_at) or a digest's hour changes nothing.
CREATE OR REPLACE FUNCTION page_epoch_on_users() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  -- (Transition tables are read only by UPDATE's branch: a DELETE's statement has none to name.)
  IF TG_OP = 'DELETE' THEN
    PERFORM page_epoch_bump();
  ELSIF EXISTS (
       SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.handle, o.display_name, o.kind, o.status, o.public_fields, o.email_verified_at,
               o.organization_id, o.erased_at)
              IS DISTINCT FROM (n.handle, n.display_name, n.kind, n.status, n.public_fields,
                                n.email_verified_at, n.organization_id, n.erased_at)) THEN
    PERFORM page_epoch_bump();
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER page_epoch_on_users_update AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION page_epoch_on_users();
CREATE TRIGGER page_epoch_on_users_delete AFTER DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION page_epoch_on_users();

CREATE OR REPLACE FUNCTION page_epoch_on_organizations() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM page_epoch_bump();
  ELSIF EXISTS (
       SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.name IS DISTINCT FROM n.name) THEN
    PERFORM page_epoch_bump();
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER page_epoch_on_organizations_update AFTER UPDATE ON organizations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION page_epoch_on_organizations();
CREATE TRIGGER page_epoch_on_organizations_delete AFTER DELETE ON organizations
  FOR EACH STATEMENT EXECUTE FUNCTION page_epoch_on_organizations();
