import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Prisma's CLI wants a native schema engine and downloads one on every command.
// Ágora never runs it: migrations go through the WebAssembly engine
// (npm run db:migrate). Pointing the CLI at our stub keeps `prisma generate`
// offline and makes a stray `prisma migrate …` fail with a message that says so.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, 'scripts/schema-engine-offline.mjs');
process.env.CHECKPOINT_DISABLE ??= '1';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Only read by Prisma's CLI commands that talk to a database, which Ágora routes elsewhere.
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://agora@127.0.0.1:5432/agora' },
});
