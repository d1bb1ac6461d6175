/** The URL an attachment is served at; the name is only for the reader's browser. */
export function attachmentUrl(id: string, displayName: string): string {
  return `/attachments/${id}/${encodeURIComponent(displayName)}`;
}
