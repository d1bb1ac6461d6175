import type { FastifyInstance } from 'fastify';
import type { ThreadsService } from '../threads/threads.service.js';
import type { HomeService } from './home.service.js';

export async function homeRoutes(
  app: FastifyInstance,
  { home, threads }: { home: HomeService; threads: ThreadsService },
) {
  app.get('/', async (request, reply) => {
    const [page, recent] = await Promise.all([
      home.getHomePage(),
      request.viewer ? threads.recentForMember(request.viewer) : Promise.resolve(null),
    ]);
    return reply.view('home/index.eta', { title: null, ...page, recent });
  });
}
