import { randomBytes } from 'node:crypto';
import { provenOrganizationId, shownOrganization } from '../access/affiliation.js';
import {
  canSeeProfile,
  isProfileField,
  isPublicProfileField,
  type ProfileField,
  visibleProfileFields,
} from '../access/profile-access.js';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { Db } from '../db/client.js';
import { Invalid } from '../errors.js';
import { renderMarkdown } from '../markdown/markdown.js';
import { AvatarError, processAvatar } from './avatar.js';
import type { ProfileInput } from './profiles.schemas.js';

export interface ProfilesDeps {
  readonly db: Db;
  readonly audit: AuditLog;
}

/**
 * A profile as one viewer may see it: a field the viewer may not see is null (or empty), never its value.
 * Templates print what they get.
 */
export interface ProfilePage {
  readonly handle: string;
  readonly displayName: string;
  /** Shown in place of a missing or hidden avatar. */
  readonly initials: string;
  readonly jobTitle: string | null;
  readonly organizationName: string | null;
  readonly departmentName: string | null;
  /** Made by renderMarkdown: safe to output raw. */
  readonly bioHtml: string | null;
  readonly expertise: readonly string[];
  /** The URL of the avatar image, with its version; null when there is none or it is hidden. */
  readonly avatarUrl: string | null;
  readonly isOwner: boolean;
  /** For the owner: what citizens and signed-out visitors see. */
  readonly publicFields: readonly ProfileField[];
}

export interface ProfileFormData {
  readonly values: {
    readonly displayName: string;
    readonly jobTitle: string;
    readonly departmentId: string;
    readonly bio: string;
    readonly expertise: string;
    readonly publicFields: readonly string[];
  };
  readonly organizationName: string | null;
  readonly departments: readonly { readonly id: string; readonly name: string }[];
  readonly avatarUrl: string | null;
  readonly displayName: string;
  readonly initials: string;
}

export interface StoredAvatar {
  readonly webp: Uint8Array;
  readonly version: string;
  /** Anyone may see it: shared caches may keep it. */
  readonly isPublic: boolean;
}

export function avatarUrl(handle: string, version: string): string {
  return `/u/${encodeURIComponent(handle)}/avatar.webp?v=${encodeURIComponent(version)}`;
}

/** "Lucía Pérez Gil" → "LG": the first letters of the first and last words. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (first === undefined) return '?';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const letter = (word: string) => Array.from(word)[0] ?? '';
  return `${letter(first)}${last ? letter(last) : ''}`.toLocaleUpperCase();
}

const newVersion = () => randomBytes(8).toString('hex');

export function createProfilesService({ db, audit }: ProfilesDeps) {
  /** The owner of a handle as the access rules need them, or null when unknown or suspended. */
  async function findOwner(handle: string) {
    const owner = await db.user.findUnique({
      where: { handle },
      select: { id: true, kind: true, status: true, publicFields: true },
    });
    return owner && canSeeProfile(owner) ? owner : null;
  }

  return {
    /** The profile page behind a handle, as this viewer may see it; null answers 404. */
    async findProfile(handle: string, viewer: Viewer | null): Promise<ProfilePage | null> {
      const user = await db.user.findUnique({
        where: { handle },
        select: {
          id: true,
          kind: true,
          status: true,
          handle: true,
          displayName: true,
          jobTitle: true,
          bioHtml: true,
          expertise: true,
          publicFields: true,
          emailVerifiedAt: true,
          organization: { select: { name: true } },
          department: { select: { name: true } },
          avatar: { select: { version: true } },
        },
      });
      if (!user || !canSeeProfile(user)) return null;
      // Organization and department are claims until the owner's address is proven (access/affiliation.ts).
      const organization = shownOrganization(user);
      const department = organization ? user.department : null;
      const visible = visibleProfileFields(viewer, user);
      const show = <T>(field: ProfileField, value: T): T | null => (visible.has(field) ? value : null);
      return {
        handle: user.handle,
        displayName: user.displayName,
        initials: initialsOf(user.displayName),
        jobTitle: show('jobTitle', user.jobTitle || null),
        organizationName: show('organization', organization?.name ?? null),
        departmentName: show('department', department?.name ?? null),
        bioHtml: show('bio', user.bioHtml || null),
        expertise: show('expertise', user.expertise) ?? [],
        avatarUrl: user.avatar ? show('avatar', avatarUrl(user.handle, user.avatar.version)) : null,
        isOwner: viewer?.id === user.id,
        publicFields: viewer?.id === user.id ? user.publicFields.filter(isProfileField) : [],
      };
    },

    /** The avatar behind a handle when this viewer may see it; null answers 404. */
    async findAvatar(handle: string, viewer: Viewer | null): Promise<StoredAvatar | null> {
      const owner = await findOwner(handle);
      if (!owner || !visibleProfileFields(viewer, owner).has('avatar')) return null;
      const avatar = await db.avatar.findUnique({ where: { userId: owner.id }, select: { webp: true, version: true } });
      if (!avatar) return null;
      return { webp: avatar.webp, version: avatar.version, isPublic: isPublicProfileField(owner, 'avatar') };
    },

    /** What the edit form starts from: the saved profile and the departments to choose from. */
    async getProfileForm(viewer: Viewer): Promise<ProfileFormData> {
      const user = await db.user.findUniqueOrThrow({
        where: { id: viewer.id },
        select: {
          handle: true,
          displayName: true,
          jobTitle: true,
          departmentId: true,
          bio: true,
          expertise: true,
          publicFields: true,
          emailVerifiedAt: true,
          organization: {
            select: { name: true, departments: { select: { id: true, name: true }, orderBy: { name: 'asc' } } },
          },
          avatar: { select: { version: true } },
        },
      });
      const organization = shownOrganization(user);
      return {
        values: {
          displayName: user.displayName,
          jobTitle: user.jobTitle,
          departmentId: user.departmentId ?? '',
          bio: user.bio,
          expertise: user.expertise.join(', '),
          publicFields: user.publicFields.filter(isProfileField),
        },
        organizationName: organization?.name ?? null,
        departments: organization?.departments ?? [],
        avatarUrl: user.avatar ? avatarUrl(user.handle, user.avatar.version) : null,
        displayName: user.displayName,
        initials: initialsOf(user.displayName),
      };
    },

    /** Saves the profile; Invalid (nothing saved) when the department is not one of the person's organization. */
    async updateProfile(viewer: Viewer, input: ProfileInput, context: AuditContext): Promise<void> {
      if (input.departmentId !== null) {
        const organizationId = provenOrganizationId(viewer);
        const department = organizationId
          ? await db.department.findFirst({
              where: { id: input.departmentId, organizationId },
              select: { id: true },
            })
          : null;
        if (!department) throw new Invalid({ departmentId: 'profiles.field.departmentInvalid' });
      }
      const data = {
        displayName: input.displayName,
        jobTitle: input.jobTitle,
        departmentId: input.departmentId,
        bio: input.bio,
        bioHtml: input.bio === '' ? '' : renderMarkdown(input.bio),
        expertise: input.expertise,
        publicFields: input.publicFields,
      };
      await db.$transaction(async (tx) => {
        const before = await tx.user.findUniqueOrThrow({
          where: { id: viewer.id },
          select: {
            displayName: true,
            jobTitle: true,
            departmentId: true,
            bio: true,
            expertise: true,
            publicFields: true,
          },
        });
        // Which fields changed, never their contents: the audit log is not a copy of people's profiles.
        const changed = (Object.keys(before) as (keyof typeof before)[]).filter(
          (key) => JSON.stringify(before[key]) !== JSON.stringify(data[key]),
        );
        // Saved without a change (a form sent twice, or just "Save"): nothing is written or recorded.
        if (changed.length === 0) return;
        await tx.user.update({ where: { id: viewer.id }, data, select: { id: true } });
        await audit.record(
          context,
          {
            action: 'profile.update',
            outcome: 'SUCCESS',
            target: { type: 'user', id: viewer.id },
            details: { changed, publicFields: input.publicFields },
          },
          tx,
        );
      });
    },

    /**
     * Re-encodes an uploaded picture and makes it the person's avatar, under a new version (new URL).
     * Throws AvatarError (recorded as a failure) for anything but a readable PNG, JPEG or WebP up to 5 MB.
     */
    async saveAvatar(viewer: Viewer, bytes: Buffer, context: AuditContext): Promise<void> {
      let webp: Buffer;
      try {
        webp = await processAvatar(bytes);
      } catch (error) {
        if (error instanceof AvatarError) {
          await audit.record(context, {
            action: 'profile.avatar_update',
            outcome: 'FAILURE',
            target: { type: 'user', id: viewer.id },
            details: { reason: error.reason, bytes: bytes.length },
          });
        }
        throw error;
      }
      const version = newVersion();
      const stored = new Uint8Array(webp);
      await db.$transaction(async (tx) => {
        await tx.avatar.upsert({
          where: { userId: viewer.id },
          create: { userId: viewer.id, webp: stored, version },
          update: { webp: stored, version },
          select: { userId: true },
        });
        await audit.record(
          context,
          {
            action: 'profile.avatar_update',
            outcome: 'SUCCESS',
            target: { type: 'user', id: viewer.id },
            details: { bytes: webp.length },
          },
          tx,
        );
      });
    },

    /** Records an upload refused before it could be read (larger than allowed). */
    async recordRejectedAvatar(viewer: Viewer, reason: string, context: AuditContext): Promise<void> {
      await audit.record(context, {
        action: 'profile.avatar_update',
        outcome: 'FAILURE',
        target: { type: 'user', id: viewer.id },
        details: { reason },
      });
    },

    /** Removes the person's avatar; false when there was none. */
    async removeAvatar(viewer: Viewer, context: AuditContext): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.avatar.deleteMany({ where: { userId: viewer.id } });
        if (count > 0) {
          await audit.record(
            context,
            { action: 'profile.avatar_delete', outcome: 'SUCCESS', target: { type: 'user', id: viewer.id } },
            tx,
          );
        }
        return count > 0;
      });
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
