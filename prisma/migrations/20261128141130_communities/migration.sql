-- CreateEnum
CREATE TYPE "CommunityAudience" AS ENUM ('INTERNAL', 'INTERADMINISTRATIVE', 'OPEN');

-- CreateEnum
CREATE TYPE "CommunityVisibility" AS ENUM ('PUBLIC', 'PRIVATE', 'SECRET');

-- CreateEnum
CREATE TYPE "PostTag" AS ENUM ('PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL');

-- CreateEnum
CREATE TYPE "MembershipRole" AS ENUM ('OWNER', 'MODERATOR', 'MEMBER');

-- CreateEnum
CREATE TYPE "MembershipState" AS ENUM ('ACTIVE', 'PENDING', 'INVITED', 'BANNED');

-- AlterTable
ALTER TABLE "site_settings" ADD COLUMN     "employees_create_interadministrative" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "employees_create_open" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "communities" (
    "id" UUID NOT NULL,
    "slug" CITEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "rules" TEXT NOT NULL DEFAULT '',
    "rules_html" TEXT NOT NULL DEFAULT '',
    "owner_organization_id" UUID NOT NULL,
    "audience" "CommunityAudience" NOT NULL,
    "visibility" "CommunityVisibility" NOT NULL,
    "welcomed_tags" "PostTag"[] DEFAULT ARRAY['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL']::"PostTag"[],
    "archived_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "communities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "community_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "MembershipRole" NOT NULL DEFAULT 'MEMBER',
    "state" "MembershipState" NOT NULL,
    "invited_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("community_id","user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "communities_slug_key" ON "communities"("slug");

-- CreateIndex
CREATE INDEX "communities_audience_visibility_idx" ON "communities"("audience", "visibility");

-- CreateIndex
CREATE INDEX "communities_owner_organization_id_idx" ON "communities"("owner_organization_id");

-- CreateIndex
CREATE INDEX "memberships_user_id_state_idx" ON "memberships"("user_id", "state");

-- CreateIndex
CREATE INDEX "memberships_community_id_state_role_idx" ON "memberships"("community_id", "state", "role");

-- AddForeignKey
ALTER TABLE "communities" ADD CONSTRAINT "communities_owner_organization_id_fkey" FOREIGN KEY ("owner_organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "communities" ADD CONSTRAINT "communities_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_community_id_fkey" FOREIGN KEY ("community_id") REFERENCES "communities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_invited_by_id_fkey" FOREIGN KEY ("invited_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
