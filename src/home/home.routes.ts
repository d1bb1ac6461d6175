import type { FastifyInstance } from 'fastify';
import { feedPage } from '../feed/feed.routes.js';
import type { FeedService } from '../feed/feed.service.js';
import type { HomeService } from './home.service.js';

export async function homeRoutes(app: FastifyInstance, { home, feed }: { home: HomeService; feed: FeedService }) {
  app.get('/', async (request, reply) => {
    // Signed in, the home page is the person's feed (issue 12); signed out, what Ágora is and who is in it.
    if (request.viewer) {
      const { status, data } = await feedPage(request, feed);
      return reply.code(status).view('feed/home.eta', { title: request.t('find.feed.title'), ...data });
    }
    return reply.view('home/index.eta', { title: null, ...(await home.getHomePage()) });
  });
}
