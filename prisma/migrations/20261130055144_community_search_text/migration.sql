-- AlterTable
ALTER TABLE "communities" ADD COLUMN     "search_text" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "communities_search_text_trgm_idx" ON "communities" USING GIN ("search_text" gin_trgm_ops);

-- The directory's search text: name and description folded as src/text/fold.ts (agora_fold, migration
-- text_search), so "contratacion publica" finds "Contratación pública".
CREATE OR REPLACE FUNCTION communities_search_text() RETURNS trigger
LANGUAGE plpgsql AS $trigger$
BEGIN
  NEW.search_text := agora_fold(concat_ws(' ', NEW.name, NEW.description));
  RETURN NEW;
END
$trigger$;

CREATE TRIGGER communities_search_text BEFORE INSERT OR UPDATE OF name, description ON communities
  FOR EACH ROW EXECUTE FUNCTION communities_search_text();

UPDATE communities SET name = name;
