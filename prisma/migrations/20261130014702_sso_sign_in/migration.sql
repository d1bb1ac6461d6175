-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "sso_only" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "sso_id_token" TEXT,
ADD COLUMN     "sso_provider" TEXT;

-- CreateTable
CREATE TABLE "sso_sign_in_attempts" (
    "state_hash" TEXT NOT NULL,
    "browser_key_hash" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "code_verifier" TEXT NOT NULL,
    "return_to" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sso_sign_in_attempts_pkey" PRIMARY KEY ("state_hash")
);

-- CreateIndex
CREATE INDEX "sso_sign_in_attempts_expires_at_idx" ON "sso_sign_in_attempts"("expires_at");
