// Who may see a balance (issue 13, item 3), and how much of it. Pure: plain facts in, an answer out;
// the balance service enforces it. Anyone else is told the page does not exist (404), the same answer
// as for an unknown community or organization.

/** `full`: every figure, refusals and warnings by rule included; `public`: the figures readers could count. */
export type BalanceView = 'full' | 'public' | null;

/**
 * A community's balance: in full to those who moderate it (its owners and moderators, and site admins:
 * the access module's 'moderate'); the public figures to whoever may read it when it is OPEN and its
 * owners chose to show them; nobody else.
 */
export function communityBalanceView(facts: {
  readonly canModerate: boolean;
  readonly canRead: boolean;
  readonly audience: 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN';
  readonly publicBalance: boolean;
}): BalanceView {
  if (facts.canModerate) return 'full';
  if (facts.canRead && facts.audience === 'OPEN' && facts.publicBalance) return 'public';
  return null;
}

/** An organization's balance (the communities it owns): site admins and the organization's official voices. */
export function organizationBalanceView(facts: {
  readonly isSiteAdmin: boolean;
  readonly isOfficialVoice: boolean;
}): BalanceView {
  return facts.isSiteAdmin || facts.isOfficialVoice ? 'full' : null;
}

/** Whether owners may show a community's balance publicly: only an OPEN community has a public to show it to. */
export function canPublishBalance(audience: 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN'): boolean {
  return audience === 'OPEN';
}
