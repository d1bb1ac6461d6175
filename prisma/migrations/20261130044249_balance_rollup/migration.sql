-- CreateEnum
CREATE TYPE "BalanceScope" AS ENUM ('COMMUNITY', 'ORGANIZATION', 'SITE');

-- AlterTable
ALTER TABLE "communities" ADD COLUMN     "public_balance" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "balance_weeks" (
    "scope" "BalanceScope" NOT NULL,
    "scope_id" UUID NOT NULL,
    "week" DATE NOT NULL,
    "personal_posts" INTEGER NOT NULL,
    "professional_posts" INTEGER NOT NULL,
    "organizational_posts" INTEGER NOT NULL,
    "replies" INTEGER NOT NULL,
    "crossing_replies" INTEGER NOT NULL,
    "questions" INTEGER NOT NULL,
    "answered_questions" INTEGER NOT NULL,
    "accepted_questions" INTEGER NOT NULL,
    "median_first_answer_seconds" INTEGER,
    "active_people" INTEGER NOT NULL,
    "organizations" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "balance_weeks_pkey" PRIMARY KEY ("scope","scope_id","week")
);

-- CreateTable
CREATE TABLE "balance_rule_weeks" (
    "scope" "BalanceScope" NOT NULL,
    "scope_id" UUID NOT NULL,
    "week" DATE NOT NULL,
    "rule_code" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "decisions" INTEGER NOT NULL,

    CONSTRAINT "balance_rule_weeks_pkey" PRIMARY KEY ("scope","scope_id","week","rule_code","outcome")
);

-- CreateTable
CREATE TABLE "balance_changes" (
    "id" BIGSERIAL NOT NULL,
    "day" DATE NOT NULL,

    CONSTRAINT "balance_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "policy_decisions_created_at_idx" ON "policy_decisions"("created_at");

-- Posts by creation time: posts_created_at_id_idx (migration text_search) serves the roll-up.

-- The balance's change log (docs/decisions/015): every write that can change a week's figures appends
-- the UTC day it touches; the roll-up job recomputes those weeks. Append-only, so writers never wait
-- on one another. A reply also marks its thread's day (a first answer counts in the question's week).
CREATE FUNCTION balance_mark_day(at timestamptz) RETURNS void LANGUAGE sql AS $$
  INSERT INTO balance_changes (day) VALUES ((at AT TIME ZONE 'UTC')::date)
$$;

CREATE FUNCTION balance_post_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM balance_mark_day(NEW.created_at);
    PERFORM balance_mark_day(t.created_at) FROM threads t WHERE t.id = NEW.thread_id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM balance_mark_day(OLD.created_at);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER balance_post_changed AFTER INSERT OR DELETE OR UPDATE OF status, tag, author_id, thread_id
  ON posts FOR EACH ROW EXECUTE FUNCTION balance_post_changed();

-- A thread's restriction or accepted answer changes figures of every week its posts fall in.
CREATE FUNCTION balance_thread_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM balance_mark_day(NEW.created_at);
  IF NEW.restricted IS DISTINCT FROM OLD.restricted OR NEW.community_id IS DISTINCT FROM OLD.community_id THEN
    INSERT INTO balance_changes (day)
      SELECT DISTINCT (p.created_at AT TIME ZONE 'UTC')::date FROM posts p WHERE p.thread_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER balance_thread_changed AFTER UPDATE OF restricted, accepted_post_id, community_id, kind
  ON threads FOR EACH ROW EXECUTE FUNCTION balance_thread_changed();

CREATE FUNCTION balance_decision_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM balance_mark_day(NEW.created_at);
  RETURN NULL;
END $$;

CREATE TRIGGER balance_decision_changed AFTER INSERT ON policy_decisions
  FOR EACH ROW EXECUTE FUNCTION balance_decision_changed();

-- What was written before this migration: every day with a post or a decision, once.
INSERT INTO balance_changes (day)
  SELECT (created_at AT TIME ZONE 'UTC')::date FROM posts
  UNION SELECT (created_at AT TIME ZONE 'UTC')::date FROM policy_decisions;
