-- CreateTable
CREATE TABLE "community_directory_groups" (
    "audience" "CommunityAudience" NOT NULL,
    "visibility" "CommunityVisibility" NOT NULL,
    "owner_organization_id" UUID NOT NULL,
    "communities" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "community_directory_groups_pkey" PRIMARY KEY ("audience","visibility","owner_organization_id")
);

-- ── Kept by triggers (ADR 025): how many communities there are of each audience × visibility × owner. Whether
-- a community shows in the directory depends on those three and on the viewer's own membership of it
-- (communityAccessSql 'see'), so the directory's total is these rows' counts where the rule holds without a
-- membership, corrected by the viewer's memberships (listDirectory): a sum over at most 3 × 3 × the
-- organizations' rows plus the viewer's memberships, instead of a count of every community they may see.
-- A change recounts its groups under their rows' locks (taken in key order), in a statement of its own,
-- as community_member_counts does (ADR 022): two communities created at once are both counted.

CREATE OR REPLACE FUNCTION community_directory_groups_refresh(keys jsonb) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $refresh$
BEGIN
  IF keys IS NULL OR jsonb_array_length(keys) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO community_directory_groups (audience, visibility, owner_organization_id)
  SELECT DISTINCT (k->>'audience')::"CommunityAudience", (k->>'visibility')::"CommunityVisibility",
         (k->>'owner_organization_id')::uuid
    FROM jsonb_array_elements(keys) k
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM community_directory_groups g
    JOIN (SELECT DISTINCT (k->>'audience')::"CommunityAudience" AS audience,
                 (k->>'visibility')::"CommunityVisibility" AS visibility,
                 (k->>'owner_organization_id')::uuid AS owner_organization_id
            FROM jsonb_array_elements(keys) k) w USING (audience, visibility, owner_organization_id)
   ORDER BY g.audience, g.visibility, g.owner_organization_id
     FOR UPDATE OF g;
  UPDATE community_directory_groups g
     SET communities = (SELECT count(*)::int FROM communities c
                         WHERE c.audience = g.audience AND c.visibility = g.visibility
                           AND c.owner_organization_id = g.owner_organization_id)
    FROM (SELECT DISTINCT (k->>'audience')::"CommunityAudience" AS audience,
                 (k->>'visibility')::"CommunityVisibility" AS visibility,
                 (k->>'owner_organization_id')::uuid AS owner_organization_id
            FROM jsonb_array_elements(keys) k) w
   WHERE g.audience = w.audience AND g.visibility = w.visibility
     AND g.owner_organization_id = w.owner_organization_id;
END
$refresh$;

CREATE OR REPLACE FUNCTION community_directory_groups_on_communities() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM community_directory_groups_refresh((
      SELECT jsonb_agg(DISTINCT jsonb_build_object('audience', n.audience, 'visibility', n.visibility,
                                                   'owner_organization_id', n.owner_organization_id))
        FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM community_directory_groups_refresh((
      SELECT jsonb_agg(DISTINCT jsonb_build_object('audience', o.audience, 'visibility', o.visibility,
                                                   'owner_organization_id', o.owner_organization_id))
        FROM old_rows o));
  ELSE
    PERFORM community_directory_groups_refresh((
      SELECT jsonb_agg(DISTINCT jsonb_build_object('audience', x.audience, 'visibility', x.visibility,
                                                   'owner_organization_id', x.owner_organization_id))
        FROM (SELECT o.audience, o.visibility, o.owner_organization_id
                FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (o.audience, o.visibility, o.owner_organization_id)
                     IS DISTINCT FROM (n.audience, n.visibility, n.owner_organization_id)
              UNION
              SELECT n.audience, n.visibility, n.owner_organization_id
                FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (o.audience, o.visibility, o.owner_organization_id)
                     IS DISTINCT FROM (n.audience, n.visibility, n.owner_organization_id)) x));
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER community_directory_groups_on_insert AFTER INSERT ON communities
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION community_directory_groups_on_communities();
CREATE TRIGGER community_directory_groups_on_update AFTER UPDATE ON communities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION community_directory_groups_on_communities();
CREATE TRIGGER community_directory_groups_on_delete AFTER DELETE ON communities
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION community_directory_groups_on_communities();

-- The communities already there.
INSERT INTO community_directory_groups (audience, visibility, owner_organization_id, communities)
SELECT c.audience, c.visibility, c.owner_organization_id, count(*)::int
  FROM communities c GROUP BY 1, 2, 3;
