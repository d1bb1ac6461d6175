-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "language" TEXT NOT NULL DEFAULT 'und',
ADD COLUMN     "search_vector" tsvector,
ADD COLUMN     "text_version" INTEGER NOT NULL DEFAULT 0;
-- Posts already written are version 0 (src/search/text-upgrade.ts brings them up); new ones are current.
ALTER TABLE "posts" ALTER COLUMN "text_version" SET DEFAULT 1;

-- AlterTable: a topic's label starts as its key; src/search/text-upgrade.ts rewrites both from the posts.
ALTER TABLE "topics" ADD COLUMN     "label" TEXT;
UPDATE "topics" SET "label" = "slug";
ALTER TABLE "topics" ALTER COLUMN "label" SET NOT NULL;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "search_text" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "follows" (
    "id" UUID NOT NULL,
    "follower_id" UUID NOT NULL,
    "user_id" UUID,
    "topic_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "follows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "follows_user_id_idx" ON "follows"("user_id");

-- CreateIndex
CREATE INDEX "follows_topic_id_idx" ON "follows"("topic_id");

-- CreateIndex
CREATE UNIQUE INDEX "follows_follower_id_user_id_key" ON "follows"("follower_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "follows_follower_id_topic_id_key" ON "follows"("follower_id", "topic_id");

-- CreateIndex
CREATE INDEX "posts_created_at_id_idx" ON "posts"("created_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "follows" ADD CONSTRAINT "follows_follower_id_fkey" FOREIGN KEY ("follower_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follows" ADD CONSTRAINT "follows_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follows" ADD CONSTRAINT "follows_topic_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Exactly one of a person or a topic is followed.
ALTER TABLE "follows" ADD CONSTRAINT "follows_one_target" CHECK (num_nonnulls("user_id", "topic_id") = 1);

-- ── Text as Spanish and Catalan write it (src/text/fold.ts, which this mirrors) ─────────────────────
-- Lower case and unaccent, except that ñ and ç stay letters of their own; the middle dot and apostrophes
-- written one way each. IMMUTABLE (with the dictionary named) so that indexes may use it.
CREATE OR REPLACE FUNCTION agora_fold(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $fold$
  SELECT regexp_replace(
    regexp_replace(
      replace(replace(lower(public.unaccent('public.unaccent'::regdictionary,
        translate(lower(normalize(input, NFKC)), 'ñÑçÇ', U&'\E000\E000\E001\E001'))),
        U&'\E000', 'ñ'), U&'\E001', 'ç'),
      '[\u2027\u22C5\u2219\u0387\u16EB\u2E31]|(?<=l)\.(?=l)', '·', 'g'),
    '[\u2019\u2018\u02BC\u00B4\u0060\u2032]', '''', 'g')
$fold$;

-- The text search configuration for a post's language: Spanish, Catalan (PostgreSQL 16 and later; older
-- servers index Catalan with "simple"), English; "simple" (no stemming) for anything else.
DO $config$
DECLARE
  catalan text := CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'catalan')
                       THEN 'pg_catalog.catalan' ELSE 'pg_catalog.simple' END;
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION agora_ts_config(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
      SELECT CASE language
        WHEN 'es' THEN 'pg_catalog.spanish'::regconfig
        WHEN 'ca' THEN %L::regconfig
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        ELSE 'pg_catalog.simple'::regconfig END
    $body$ $f$, catalan);
END
$config$;

-- A text as a weighted tsvector, twice: as written (so "contrataciones" and "contratación" share the stem
-- "contrat") and folded (so "contratacion", typed without its accent, finds "contratación"). The middle
-- dot joins the folded word ("col·legi" → "collegi"), since the parser would split it in two.
CREATE OR REPLACE FUNCTION agora_search_vector(config regconfig, body text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $vector$
  SELECT setweight(to_tsvector(config, coalesce(body, '')), weight)
      || setweight(to_tsvector(config, replace(agora_fold(coalesce(body, '')), '·', '')), weight)
$vector$;

CREATE OR REPLACE FUNCTION posts_search_document() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
DECLARE
  config regconfig := agora_ts_config(NEW.language);
  thread_title text;
BEGIN
  IF NEW.is_opening THEN
    SELECT title INTO thread_title FROM threads WHERE id = NEW.thread_id;
  END IF;
  NEW.search_vector := agora_search_vector(config, thread_title, 'A') || agora_search_vector(config, NEW.source, 'B');
  RETURN NEW;
END
$trigger$;

CREATE TRIGGER posts_search_document BEFORE INSERT OR UPDATE OF source, language, is_opening ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_search_document();

-- A thread's new title reaches its opening post's document.
CREATE OR REPLACE FUNCTION threads_title_to_search() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
BEGIN
  UPDATE posts SET language = language WHERE thread_id = NEW.id AND is_opening;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER threads_title_to_search AFTER UPDATE OF title ON threads
  FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION threads_title_to_search();

UPDATE posts SET language = language;
-- Partial (what search reads): it also keeps Prisma, which cannot describe an index on a tsvector, from
-- seeing it as a difference from schema.prisma.
CREATE INDEX "posts_search_vector_idx" ON "posts" USING gin ("search_vector")
  WHERE "status" = 'PUBLISHED' AND "deleted_at" IS NULL;

-- ── People (/people) ────────────────────────────────────────────────────────────────────────────────
CREATE OR REPLACE FUNCTION users_search_text() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
BEGIN
  -- The organization and department are claims until the address is proven (src/access/affiliation.ts
  -- shownOrganization): until then nobody finds the person by them.
  NEW.search_text := agora_fold(concat_ws(' ', NEW.display_name, NEW.handle, NEW.job_title,
    (SELECT name FROM organizations WHERE id = NEW.organization_id AND NEW.email_verified_at IS NOT NULL),
    (SELECT name FROM departments WHERE id = NEW.department_id AND NEW.email_verified_at IS NOT NULL),
    array_to_string(NEW.expertise, ' ')));
  RETURN NEW;
END
$trigger$;

CREATE TRIGGER users_search_text BEFORE INSERT OR UPDATE OF display_name, handle, job_title, expertise, organization_id, department_id, email_verified_at ON users
  FOR EACH ROW EXECUTE FUNCTION users_search_text();

CREATE OR REPLACE FUNCTION names_to_users_search_text() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
BEGIN
  IF TG_TABLE_NAME = 'organizations' THEN
    UPDATE users SET display_name = display_name WHERE organization_id = NEW.id;
  ELSE
    UPDATE users SET display_name = display_name WHERE department_id = NEW.id;
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER organizations_name_to_users AFTER UPDATE OF name ON organizations
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION names_to_users_search_text();
CREATE TRIGGER departments_name_to_users AFTER UPDATE OF name ON departments
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION names_to_users_search_text();

UPDATE users SET display_name = display_name;
CREATE INDEX "users_search_text_trgm_idx" ON "users" USING gin ("search_text" gin_trgm_ops);
CREATE INDEX "users_display_name_folded_trgm_idx" ON "users" USING gin (agora_fold("display_name") gin_trgm_ops);
