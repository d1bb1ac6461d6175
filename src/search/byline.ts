/** How a result or feed item names its author: a link only while the account is active (else its page is a 404). */
export interface Byline {
  readonly handle: string;
  readonly displayName: string;
  readonly active: boolean;
}

export function bylineOf(
  author: { readonly handle: string; readonly displayName: string; readonly status: string } | null,
): Byline | null {
  return author ? { handle: author.handle, displayName: author.displayName, active: author.status === 'ACTIVE' } : null;
}
