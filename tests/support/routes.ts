import type { FastifyInstance } from 'fastify';
import { MALFORMED_URL_PATH, URI_TOO_LONG_PATH } from '../../src/plugins/errors.js';

// The app's routes, read from Fastify's own route tree: tests that must cover every route (bad input,
// reflow at 320 px) find a new one without being told.

export interface Route {
  readonly path: string;
  readonly methods: readonly string[];
}

/** Every route of the app, read from Fastify's own route tree (so a new route is covered without a test change). */
export function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)(?:└── |├── )(\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const segment = match[2] ?? '';
    const parent = depth === 0 ? '' : (parents[depth - 1] ?? '');
    // A child is printed as what follows its parent: "/watch" then "ed-words" is "/watched-words".
    const path = depth === 0 ? segment : `${parent}${segment}`;
    parents[depth] = path;
    parents.length = depth + 1;
    // (Not the routes a malformed or over-long URL is sent to: they answer 400 and 414 to anything.)
    if (match[3] && path !== MALFORMED_URL_PATH && path !== URI_TOO_LONG_PATH) {
      routes.push({ path, methods: match[3].split(', ').filter((m) => m !== 'HEAD') });
    }
  }
  return routes;
}
