import { z } from 'zod';
import { signUpForm } from '../accounts/accounts.schemas.js';

// Accepting a partner invitation: the sign-up form's fields and rules, without the e-mail
// (the invitation fixed it) and with the link's token.

export const acceptInvitationForm = z.object({
  token: z.string().max(200),
  displayName: signUpForm.shape.displayName,
  handle: signUpForm.shape.handle,
  password: signUpForm.shape.password,
});

export type AcceptInvitationInput = z.output<typeof acceptInvitationForm>;
