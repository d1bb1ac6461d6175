#!/usr/bin/env node
// Stand-in for Prisma's native schema engine, which Ágora does not ship (it
// cannot be downloaded on-prem). Prisma's CLI starts it only for commands such
// as `prisma migrate …` or `prisma db push`; it answers each JSON-RPC request
// with an error that points to the project's own scripts.
import { createInterface } from 'node:readline';

const message = [
  "Ágora does not use Prisma's native schema engine; use the project's scripts:",
  '  npm run db:migrate                apply prisma/migrations (DATABASE_URL, or the embedded database)',
  '  npm run db:migration -- <name>    write a new migration from the changes to prisma/schema.prisma',
].join('\n');

if (process.argv.includes('--version')) {
  process.stdout.write('schema-engine-offline (Ágora stub)\n');
  process.exit(0);
}

// `schema-engine cli <command>` reports a failure on stderr: a first line the
// CLI skips, then JSON log lines.
if (process.argv.includes('cli')) {
  const log = { level: 'ERROR', target: 'schema_engine::logger', fields: { error_code: 'AGORA_OFFLINE', message } };
  process.stderr.write(`schema-engine-offline\n${JSON.stringify(log)}\n`);
  process.exit(1);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let id = null;
  try {
    id = JSON.parse(line).id ?? null;
  } catch {}
  const error = { code: 4466, message, data: { is_panic: false, message, meta: {}, error_code: 'AGORA_OFFLINE' } };
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`);
});
lines.on('close', () => process.exit(1));
setTimeout(() => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}, 5000).unref();
