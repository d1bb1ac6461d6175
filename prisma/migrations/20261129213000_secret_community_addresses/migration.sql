-- The address of a SECRET community is Ágora's choice, never a person's: "s-" and 12 random hex
-- digits (SECRET_SLUG_PATTERN in src/communities/communities.schemas.ts). A chosen address could
-- collide with a secret one, and "that address is taken" would tell that the secret community exists.
-- Existing secret communities get a random address: nothing of the old one can be worked out from it.
UPDATE "communities"
SET "slug" = 's-' || substr(md5(gen_random_uuid()::text || "id"::text), 1, 12)
WHERE "visibility" = 'SECRET' AND "slug" !~ '^s-[0-9a-f]{12}$';
