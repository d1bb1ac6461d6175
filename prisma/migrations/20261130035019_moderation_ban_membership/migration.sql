-- AlterTable
ALTER TABLE "moderation_decisions" ADD COLUMN     "member_role_before" "MembershipRole",
ADD COLUMN     "member_state_before" "MembershipState";
