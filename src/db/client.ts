import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

/** The one way Ágora creates its Prisma client: WebAssembly query compiler + node-postgres, no native engine. */
export function createDb(connectionString: string, poolMax: number): Db {
  const adapter = new PrismaPg({ connectionString, max: poolMax });
  return new PrismaClient({ adapter });
}
