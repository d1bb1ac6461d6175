import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

/** The one way Ágora creates its Prisma client: WebAssembly query compiler + node-postgres, no native engine. */
export function createDb(
  connectionString: string,
  poolMax: number,
  options: { readonly onQuery?: (sql: string) => void } = {},
): Db {
  const adapter = new PrismaPg({ connectionString, max: poolMax });
  const { onQuery } = options;
  if (!onQuery) return new PrismaClient({ adapter });
  // Every SQL statement the client sends, for tests that count the queries behind a page.
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client as unknown as Db;
}
