-- CreateTable
CREATE TABLE "community_member_counts" (
    "community_id" UUID NOT NULL,
    "members" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "community_member_counts_pkey" PRIMARY KEY ("community_id")
);

-- AddForeignKey
ALTER TABLE "community_member_counts" ADD CONSTRAINT "community_member_counts_community_id_fkey" FOREIGN KEY ("community_id") REFERENCES "communities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ── Kept by triggers (ADR 022): how many members count in each community, as countingMemberWhere says
-- (src/communities/community-access-where.ts): active memberships of active accounts inside the
-- community's audience now. The directory and the community page show it; counting it on each view
-- hashed every account (15 ms a directory page at 10,000 people). Whatever changes whether a membership
-- counts recounts its community: the membership itself, its person (status, kind, verified address,
-- organization), their organization's kind, the community's audience or owner. A recount takes the
-- community's row lock first and counts in a statement of its own, so two people joining at once are
-- both counted (each recount sees what the other committed).

CREATE OR REPLACE FUNCTION agora_counting_members(community uuid) RETURNS integer
LANGUAGE sql STABLE SET plan_cache_mode = force_custom_plan AS $count$
  SELECT count(*)::int
    FROM memberships m
    JOIN communities c ON c.id = m.community_id
    JOIN users u ON u.id = m.user_id
    LEFT JOIN organizations o ON o.id = u.organization_id
   WHERE m.community_id = community
     AND m.state = 'ACTIVE' AND u.status = 'ACTIVE'
     AND (c.audience = 'OPEN'
          OR (u.email_verified_at IS NOT NULL
              AND ((c.audience = 'INTERNAL' AND u.kind = 'EMPLOYEE' AND u.organization_id = c.owner_organization_id)
                   OR (c.audience = 'INTERADMINISTRATIVE'
                       AND ((u.kind = 'EMPLOYEE' AND o.kind <> 'PARTNER') OR u.kind = 'PARTNER')))))
$count$;

CREATE OR REPLACE FUNCTION community_member_counts_refresh(ids uuid[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $refresh$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- Communities being deleted (a cascade from their row) are gone already, and their counts with them.
  INSERT INTO community_member_counts (community_id)
  SELECT c.id FROM communities c WHERE c.id = ANY(ids) ORDER BY c.id
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM community_member_counts k WHERE k.community_id = ANY(ids) ORDER BY k.community_id FOR UPDATE;
  UPDATE community_member_counts k SET members = agora_counting_members(k.community_id)
   WHERE k.community_id = ANY(ids);
END
$refresh$;

CREATE OR REPLACE FUNCTION community_member_counts_on_memberships() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM community_member_counts_refresh(ARRAY(SELECT DISTINCT n.community_id FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM community_member_counts_refresh(ARRAY(SELECT DISTINCT o.community_id FROM old_rows o));
  ELSE
    -- A role or a note changed: nothing to count again.
    PERFORM community_member_counts_refresh(ARRAY(
      SELECT DISTINCT d.community_id FROM (
        (SELECT o.community_id, o.user_id, o.state FROM old_rows o
         EXCEPT SELECT n.community_id, n.user_id, n.state FROM new_rows n)
        UNION
        (SELECT n.community_id, n.user_id, n.state FROM new_rows n
         EXCEPT SELECT o.community_id, o.user_id, o.state FROM old_rows o)) d));
  END IF;
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER community_member_counts_on_membership_insert AFTER INSERT ON memberships
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_memberships();
CREATE TRIGGER community_member_counts_on_membership_update AFTER UPDATE ON memberships
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_memberships();
CREATE TRIGGER community_member_counts_on_membership_delete AFTER DELETE ON memberships
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_memberships();

CREATE OR REPLACE FUNCTION community_member_counts_on_users() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  PERFORM community_member_counts_refresh(ARRAY(
    SELECT DISTINCT m.community_id
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      JOIN memberships m ON m.user_id = n.id
     WHERE (o.status, o.kind, o.email_verified_at, o.organization_id)
           IS DISTINCT FROM (n.status, n.kind, n.email_verified_at, n.organization_id)));
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER community_member_counts_on_users AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_users();

CREATE OR REPLACE FUNCTION community_member_counts_on_organizations() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  PERFORM community_member_counts_refresh(ARRAY(
    SELECT DISTINCT m.community_id
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      JOIN users u ON u.organization_id = n.id
      JOIN memberships m ON m.user_id = u.id
     WHERE o.kind IS DISTINCT FROM n.kind));
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER community_member_counts_on_organizations AFTER UPDATE ON organizations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_organizations();

CREATE OR REPLACE FUNCTION community_member_counts_on_communities() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $trigger$
BEGIN
  PERFORM community_member_counts_refresh(ARRAY(
    SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.audience, o.owner_organization_id) IS DISTINCT FROM (n.audience, n.owner_organization_id)));
  RETURN NULL;
END
$trigger$;

CREATE TRIGGER community_member_counts_on_communities AFTER UPDATE ON communities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION community_member_counts_on_communities();

-- The communities already there.
INSERT INTO community_member_counts (community_id, members)
SELECT c.id, agora_counting_members(c.id) FROM communities c;

ANALYZE community_member_counts;
