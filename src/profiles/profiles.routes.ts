import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROFILE_FIELDS } from '../access/profile-access.js';
import type { Config } from '../config.js';
import { Invalid, NotFound } from '../errors.js';
import type { FeedService } from '../feed/feed.service.js';
import { type FormErrors, keptValues, parseForm, translateErrors } from '../forms.js';
import type { MessageKey } from '../i18n/i18n.js';
import { perAccountLimit } from '../plugins/rate-limit-keys.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { AVATAR_MAX_BYTES, AvatarError, type AvatarErrorReason } from './avatar.js';
import { avatarQuery, handleParams, profileForm } from './profiles.schemas.js';
import type { ProfilesService } from './profiles.service.js';

/**
 * A file part of the avatar form, as the multipart parser hands it over. A class, so that nothing a
 * url-encoded or JSON body can carry is mistaken for one.
 */
class UploadedFile {
  /** bytes is null when the file was larger than allowed (the rest of it was discarded unread). */
  constructor(readonly bytes: Buffer | null) {}
}

const AVATAR_MESSAGES: Readonly<Record<AvatarErrorReason | 'missing', MessageKey>> = {
  missing: 'profiles.avatar.missing',
  too_large: 'profiles.avatar.tooLarge',
  unsupported: 'profiles.avatar.unsupported',
  unreadable: 'profiles.avatar.unreadable',
};

/** A checkbox group as the person left it: nothing, one value or several. */
function checkedValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export async function profilesRoutes(
  app: FastifyInstance,
  {
    profiles,
    config,
    follows,
  }: { profiles: ProfilesService; config: Config; follows: Pick<FeedService, 'isFollowing'> },
) {
  // Re-encoding a picture costs CPU: uploads get the tighter limit of sensitive forms.
  // Uploads and profile edits (the bio is rendered from markdown): their own limit, per account.
  const UPLOAD_LIMIT = perAccountLimit(config.rateLimit.sensitiveMax * 3, 15 * 60_000);

  /** The edit page: the saved profile, or what was typed, with the messages beside their fields. */
  async function renderEditPage(
    reply: FastifyReply,
    options: { status?: number; errors?: FormErrors; values?: Record<string, string | string[]> } = {},
  ) {
    const { request } = reply;
    const form = await profiles.getProfileForm(viewerOf(request));
    return reply.code(options.status ?? 200).view('profiles/edit.eta', {
      title: request.t('profiles.edit.title'),
      values: { ...form.values, ...options.values },
      errors: translateErrors(request.t, options.errors),
      formError: null,
      organizationName: form.organizationName,
      departments: form.departments,
      avatarUrl: form.avatarUrl,
      displayName: form.displayName,
      initials: form.initials,
      // Someone outside any organization has no organization or department to show.
      publicFieldOptions: PROFILE_FIELDS.filter(
        (field) => form.organizationName !== null || (field !== 'organization' && field !== 'department'),
      ),
      profileUrl: `/u/${encodeURIComponent(viewerOf(request).handle)}`,
    });
  }

  // ── The profile ──────────────────────────────────────────────────────────
  app.get('/u/:handle', async (request, reply) => {
    const params = handleParams.safeParse(request.params);
    if (!params.success) throw new NotFound();
    const profile = await profiles.findProfile(params.data.handle, request.viewer);
    if (!profile) throw new NotFound();
    const following =
      request.viewer && !profile.isOwner
        ? await follows.isFollowing(request.viewer, { handle: profile.handle })
        : false;
    return reply.view('profiles/profile.eta', { title: profile.displayName, profile, following });
  });

  app.get('/u/:handle/avatar.webp', async (request, reply) => {
    const params = handleParams.safeParse(request.params);
    if (!params.success) throw new NotFound();
    const avatar = await profiles.findAvatar(params.data.handle, request.viewer);
    if (!avatar) throw new NotFound();
    const query = avatarQuery.safeParse(request.query);
    const current = query.success && query.data.v === avatar.version;
    // A versioned URL never changes content. An avatar only some people may see needs a session:
    // the security plugin makes it no-store.
    if (avatar.isPublic)
      reply.header('cache-control', current ? 'public, max-age=31536000, immutable' : 'public, no-cache');
    const etag = `"${avatar.version}"`;
    reply.header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('image/webp').send(Buffer.from(avatar.webp));
  });

  // ── Editing one's own profile ────────────────────────────────────────────
  app.get('/account/profile', { preHandler: requireViewer }, async (_request, reply) => renderEditPage(reply));

  // The words of the profile, given back on a 503 (plugins/errors.ts); the ticked boxes kept hidden.
  const PROFILE_WORDS = {
    displayName: { label: 'profiles.field.displayName', multiline: false },
    jobTitle: { label: 'profiles.part.jobTitle', multiline: false },
    expertise: { label: 'profiles.part.expertise', multiline: false },
    bio: { label: 'profiles.part.bio', multiline: true },
  } as const;
  const PROFILE_FORM = { preHandler: requireViewer, config: { ...UPLOAD_LIMIT, keepsWords: PROFILE_WORDS } };
  app.post('/account/profile', PROFILE_FORM, async (request, reply) => {
    const form = parseForm(profileForm, request.body);
    const typed = () => ({
      ...keptValues(request.body),
      publicFields: checkedValues((request.body as { publicFields?: unknown } | undefined)?.publicFields),
    });
    if (!form.ok) return renderEditPage(reply, { status: 422, errors: form.errors, values: typed() });
    try {
      await profiles.updateProfile(viewerOf(request), form.data, request.auditContext);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return renderEditPage(reply, { status: 422, errors: error.fieldErrors, values: typed() });
    }
    return reply.redirect('/account/profile?notice=profile-saved', 303);
  });

  app.post(
    '/account/avatar/delete',
    { preHandler: requireViewer, config: { keepsWords: false } },
    async (request, reply) => {
      await profiles.removeAvatar(viewerOf(request), request.auditContext);
      return reply.redirect('/account/profile?notice=avatar-removed', 303);
    },
  );

  // Multipart bodies are parsed for the avatar upload only, in a context of its own: no other route buffers
  // uploaded files. The fields reach request.body as plain values (attachFieldsToBody: 'keyValues') before
  // the CSRF check runs, so `_csrf` is read from the body as in every other form.
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      // A file over the limit is cut short instead of failing the request: the page then explains it.
      throwFileSizeLimit: false,
      limits: { fileSize: AVATAR_MAX_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 5 },
      async onFile(part) {
        const bytes = await part.toBuffer();
        part.value = new UploadedFile(part.file.truncated ? null : bytes);
      },
    });

    // Signed-out uploads are turned away before their body is read.
    uploads.post(
      '/account/avatar',
      { onRequest: requireViewer, config: { ...UPLOAD_LIMIT, keepsWords: false } },
      async (request, reply) => {
        const viewer = viewerOf(request);
        const upload = (request.body as { avatar?: unknown } | undefined)?.avatar;
        const fail = (reason: AvatarErrorReason | 'missing') =>
          renderEditPage(reply, { status: 422, errors: { avatar: { key: AVATAR_MESSAGES[reason] } } });
        if (!(upload instanceof UploadedFile) || upload.bytes?.length === 0) return fail('missing');
        if (upload.bytes === null) {
          await profiles.recordRejectedAvatar(viewer, 'too_large', request.auditContext);
          return fail('too_large');
        }
        try {
          await profiles.saveAvatar(viewer, upload.bytes, request.auditContext);
        } catch (error) {
          if (!(error instanceof AvatarError)) throw error;
          return fail(error.reason);
        }
        return reply.redirect('/account/profile?notice=avatar-saved', 303);
      },
    );
  });
}
