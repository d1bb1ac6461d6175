import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { addMembership, createCommunity, createUser } from './factories.js';
import { signInAs, submitForm } from './forms.js';

export const QUESTION_TEXT =
  '¿Cómo tramitáis las licencias de obra menor? Buscamos un modelo de expediente y de informe técnico.';
export const ANSWER_TEXT =
  'Nosotros usamos una declaración responsable y el informe técnico se firma en la sede electrónica.';

/**
 * What thread tests do through HTTP, for a test file's app and home organization (both made in its
 * beforeAll, hence the getters): people signed in, a community with its cast, threads and replies.
 */
export function threadTestKit(app: () => TestApp, home: () => { id: string }) {
  const get = (url: string, cookie?: string) =>
    app().app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

  /** A verified employee of the home organization (unless told otherwise), signed in. */
  async function person(options: Parameters<typeof createUser>[1] = {}) {
    const user = await createUser(app().db, { organizationId: home().id, ...options });
    return { user, cookie: await signInAs(app().app, user.email) };
  }

  /** A community of the home organization with an owner, a moderator and a member, each signed in. */
  async function community(options: Partial<Parameters<typeof createCommunity>[1]> = {}) {
    const { db } = app();
    const owner = await person();
    const c = await createCommunity(db, { organizationId: home().id, ownerId: owner.user.id, ...options });
    const moderator = await person();
    const member = await person();
    await addMembership(db, c.id, moderator.user.id, 'ACTIVE', 'MODERATOR');
    await addMembership(db, c.id, member.user.id);
    return { c, owner, moderator, member };
  }

  /** Sends the new-thread form (a question unless `fields` say otherwise) as a browser does. */
  function newThread(slug: string, cookie: string, fields: Record<string, string> = {}) {
    return submitForm(
      app().app,
      `/c/${slug}/threads`,
      { title: 'Licencias de obra menor', kind: 'QUESTION', body: QUESTION_TEXT, tag: 'PROFESSIONAL', ...fields },
      { cookie, formUrl: `/c/${slug}/threads/new` },
    );
  }

  /** A new thread, which must be published: its id and URL. */
  async function openThread(slug: string, cookie: string, fields: Record<string, string> = {}) {
    const response = await newThread(slug, cookie, fields);
    expect(response.statusCode, response.body.slice(0, 500)).toBe(303);
    const id = /\/threads\/([0-9a-f-]{36})/.exec(String(response.headers.location))?.[1];
    if (!id) throw new Error(`no thread id in ${String(response.headers.location)}`);
    return { id, url: `/c/${slug}/threads/${id}` };
  }

  /** Sends the reply form of the thread at `threadUrl`. */
  function replyTo(threadUrl: string, cookie: string, fields: Record<string, string> = {}) {
    return submitForm(
      app().app,
      `${threadUrl}/replies`,
      { body: ANSWER_TEXT, tag: 'PROFESSIONAL', ...fields },
      { cookie, formUrl: threadUrl },
    );
  }

  /** A new reply, which must be published: its post id. */
  async function postReply(threadUrl: string, cookie: string, fields: Record<string, string> = {}) {
    const response = await replyTo(threadUrl, cookie, fields);
    expect(response.statusCode, response.body.slice(0, 800)).toBe(303);
    const id = /#post-([0-9a-f-]{36})/.exec(String(response.headers.location))?.[1];
    if (!id) throw new Error('no post id');
    return id;
  }

  return { get, person, community, newThread, openThread, replyTo, postReply };
}
