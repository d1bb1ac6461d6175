-- /people for a viewer who does not see every field (src/access/profile-access.ts: a citizen, a partner,
-- someone unverified) matched each word against the name, the handle and each field the person made
-- public, folding each on every row: a sequential scan of every account (110 ms at 10,000 people for a
-- word nobody has). The same text as search_text, made of those fields only, kept by the same trigger
-- and indexed for LIKE with trigrams (src/search/people.service.ts wordCondition).

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "public_search_text" TEXT NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION users_search_text() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
DECLARE
  organization text;
  department text;
BEGIN
  -- The organization and department are claims until the address is proven (src/access/affiliation.ts
  -- shownOrganization): until then nobody finds the person by them.
  IF NEW.email_verified_at IS NOT NULL THEN
    SELECT name INTO organization FROM organizations WHERE id = NEW.organization_id;
    SELECT name INTO department FROM departments WHERE id = NEW.department_id;
  END IF;
  NEW.search_text := agora_fold(concat_ws(' ', NEW.display_name, NEW.handle, NEW.job_title,
    organization, department, array_to_string(NEW.expertise, ' ')));
  -- What anyone may see (visibleProfileFields): the name and handle always, the rest where made public.
  NEW.public_search_text := agora_fold(concat_ws(' ', NEW.display_name, NEW.handle,
    CASE WHEN 'jobTitle' = ANY(NEW.public_fields) THEN NEW.job_title END,
    CASE WHEN 'organization' = ANY(NEW.public_fields) THEN organization END,
    CASE WHEN 'department' = ANY(NEW.public_fields) THEN department END,
    CASE WHEN 'expertise' = ANY(NEW.public_fields) THEN array_to_string(NEW.expertise, ' ') END));
  RETURN NEW;
END
$trigger$;

DROP TRIGGER users_search_text ON users;
CREATE TRIGGER users_search_text BEFORE INSERT OR UPDATE OF display_name, handle, job_title, expertise, organization_id, department_id, email_verified_at, public_fields ON users
  FOR EACH ROW EXECUTE FUNCTION users_search_text();

UPDATE users SET display_name = display_name;

-- CreateIndex
CREATE INDEX "users_public_search_text_trgm_idx" ON "users" USING GIN ("public_search_text" gin_trgm_ops);

ANALYZE users;
