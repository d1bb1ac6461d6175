import type { FastifyInstance } from 'fastify';
import type { HomeService } from './home.service.js';

export async function homeRoutes(app: FastifyInstance, { home }: { home: HomeService }) {
  app.get('/', async (_request, reply) => {
    const page = await home.getHomePage();
    return reply.view('home/index.eta', { title: null, ...page });
  });
}
