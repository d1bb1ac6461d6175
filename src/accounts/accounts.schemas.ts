import { z } from 'zod';
import { limitedText, TEXT_LIMITS } from '../text/limits.js';

// Messages are catalog keys; the routes translate them beside each field.

export const emailField = z
  .string({ error: 'accounts.field.emailRequired' })
  .trim()
  .min(1, { error: 'accounts.field.emailRequired' })
  .max(254, { error: 'accounts.field.emailInvalid' })
  .pipe(z.email({ error: 'accounts.field.emailInvalid' }));

/** Passwords are taken exactly as typed: no trimming, no truncation; the policy checks length. */
const passwordField = z
  .string({ error: 'accounts.field.passwordRequired' })
  .min(1, { error: 'accounts.field.passwordRequired' });

export const HANDLE_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{1,28}[a-z0-9])$/;

export const signUpForm = z.object({
  email: emailField,
  displayName: limitedText(TEXT_LIMITS.displayName, {
    required: 'accounts.field.displayNameRequired',
    tooLong: 'accounts.field.displayNameTooLong',
  }),
  handle: z
    .string({ error: 'accounts.field.handleRequired' })
    .trim()
    .toLowerCase()
    .min(1, { error: 'accounts.field.handleRequired' })
    .regex(HANDLE_PATTERN, { error: 'accounts.field.handleInvalid' }),
  password: passwordField,
});

export const signInForm = z.object({
  email: emailField,
  password: passwordField,
  returnTo: z.string().max(2000).optional(),
});

export const passwordResetRequestForm = z.object({ email: emailField });

export const passwordResetForm = z.object({
  token: z.string().max(200),
  password: passwordField,
});

export const changePasswordForm = z.object({
  currentPassword: passwordField,
  newPassword: passwordField,
});

export const changeEmailForm = z.object({
  password: passwordField,
  newEmail: emailField,
});

export const endSessionForm = z.object({ sessionId: z.string().regex(/^[0-9a-f]{64}$/) });
