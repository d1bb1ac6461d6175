-- "Who knows about X" (/people?topic=X) lists the people who give X as an expertise. It folded every
-- active person's expertise on every request (a sequential scan of users: 10 ms at 10,000 people). The
-- folded keys, as an immutable function of the column (schema named: an index is built with a bare
-- search path), indexed with GIN: the same folding as before
-- (agora_fold of the entry without its '#' and spaces, src/text/fold.ts), found by `@>`.
CREATE OR REPLACE FUNCTION agora_expertise_keys(expertise text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(public.agora_fold(btrim(e, '# '))), '{}') FROM unnest(expertise) AS e $$;

CREATE INDEX "users_expertise_keys_idx" ON "users" USING gin (agora_expertise_keys("expertise")) WHERE "status" = 'ACTIVE';
