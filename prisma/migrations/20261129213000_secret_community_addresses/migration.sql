-- The address of a SECRET community is Ágora's choice, never a person's: "s-" and 12 hex digits
-- (SECRET_SLUG_PATTERN in src/communities/communities.schemas.ts). A chosen address could collide
-- with a secret one, and "that address is taken" would tell that the secret community exists.
-- Existing secret communities get the address derived from their old one, as secretSlug() does.
UPDATE "communities"
SET "slug" = 's-' || substr(encode(sha256(convert_to("slug", 'UTF8')), 'hex'), 1, 12)
WHERE "visibility" = 'SECRET' AND "slug" !~ '^s-[0-9a-f]{12}$';
