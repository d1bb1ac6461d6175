import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Eta } from 'eta';
import { createTransport } from 'nodemailer';
import type { Config } from '../config.js';
import { createTranslator, type Locale, type MessageKey } from '../i18n/i18n.js';
import { viewsDir } from '../paths.js';

// Outgoing e-mail: SMTP when configured, otherwise an outbox folder of .eml files whose
// links are logged, so that the embedded demo works without a mail server.

/** Messages about the account itself, sent to addresses whose owner may not have proven them. */
export type AccountEmailTemplate =
  | 'verify-email'
  | 'reset-password'
  | 'confirm-new-email'
  | 'partner-invitation'
  // To the owner of an address someone tried to sign up with again (no account enumeration).
  | 'account-exists';

/** Account messages, plus what happened that concerns the person (issue 11) and the periodic summary. */
export type EmailTemplate = AccountEmailTemplate | 'notification' | 'digest';

/**
 * One message to one person. `data` holds the values its template needs (REQUIRED_DATA):
 * `link` an absolute http(s) URL, numbers as text; optionally `name` (the greeting) and
 * `site` (the site's name, "Ágora" when not given).
 */
export interface EmailMessage {
  to: string;
  /**
   * Whether the owner of `to` has proven it is theirs (followed a link sent there). Mail to an unproven
   * address is composed without PERSONAL_DATA, whatever the caller passed: see `composableData`.
   */
  toProven: boolean;
  locale: Locale;
  template: EmailTemplate;
  data: Record<string, string>;
  /** Lists a template shows (the digest's sections): each entry's values are texts, like `data`'s. */
  lists?: Record<string, ReadonlyArray<Record<string, string>>>;
  /**
   * Headers of a notification: Message-ID, In-Reply-To and References (threading by conversation), and
   * List-Unsubscribe with List-Unsubscribe-Post (RFC 8058 one-click). Names from LIST_HEADERS only.
   */
  headers?: Record<string, string>;
}

/** The only headers a caller may add; values are checked to be one line. */
export const LIST_HEADERS = [
  'Message-ID',
  'In-Reply-To',
  'References',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Id',
];

export interface Mailer {
  /** Renders and delivers one message; rejects when it cannot be delivered, so the caller decides. */
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

export interface MailerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * What each template says, so a caller that forgets a value fails loudly instead of mailing "{minutes}".
 * No template needs a text a person chose: the greeting's `name` is optional (PERSONAL_DATA).
 */
export const REQUIRED_DATA: Readonly<Record<EmailTemplate, readonly string[]>> = {
  'verify-email': ['link', 'hours'],
  'reset-password': ['link', 'minutes'],
  'confirm-new-email': ['link', 'hours'],
  // The invitee has no account yet; the link's page says which organization invites them.
  'partner-invitation': ['link', 'days'],
  'account-exists': ['link'],
  // `summary`: one line saying what happened; `reason`: why this person was told.
  notification: ['link', 'summary', 'reason', 'preferencesLink', 'unsubscribeLink'],
  digest: ['link', 'preferencesLink', 'unsubscribeLink', 'period'],
};

/**
 * Values that a person typed (a display name) rather than the site: mailed only to an address whose owner
 * has proven it.
 *
 * Decision: mail to an unproven address carries no text chosen by the person who caused it. Anyone can
 * sign up, ask for a reset or change their address to a stranger's; a display name such as "URGENT: renew
 * at https://…" would otherwise be delivered under the site's name to that stranger. The site's own
 * words (the catalogue's texts, its name, the link to itself, numbers) are all such a message holds.
 */
export const PERSONAL_DATA: readonly string[] = ['name'];

/** The data a message may be composed with: without PERSONAL_DATA unless the recipient proved the address. */
export function composableData(message: Pick<EmailMessage, 'toProven' | 'data'>): Record<string, string> {
  if (message.toProven) return { ...message.data };
  return Object.fromEntries(Object.entries(message.data).filter(([key]) => !PERSONAL_DATA.includes(key)));
}

/** SiteSettings.siteName's default. */
const DEFAULT_SITE = 'Ágora';

const SUBJECTS: Readonly<Record<EmailTemplate, MessageKey>> = {
  'verify-email': 'email.verify-email.subject',
  'reset-password': 'email.reset-password.subject',
  'confirm-new-email': 'email.confirm-new-email.subject',
  'partner-invitation': 'email.partner-invitation.subject',
  'account-exists': 'email.account-exists.subject',
  notification: 'email.notification.subject',
  digest: 'email.digest.subject',
};

// A single plain address: a comma or angle brackets would turn one recipient into several.
const SINGLE_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;

// Fail fast on a dead or silent server instead of keeping a request waiting for minutes.
const CONNECTION_TIMEOUT_MS = 5_000;
const GREETING_TIMEOUT_MS = 5_000;
const SOCKET_TIMEOUT_MS = 30_000;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

// HTML escapes every interpolation; plain text must not (a "&" stays "&").
const htmlViews = new Eta({ views: viewsDir, autoEscape: true, cache: true });
const textViews = new Eta({ views: viewsDir, autoEscape: false, autoTrim: false, cache: true });

function checkMessage({ to, template, data, headers }: EmailMessage): void {
  if (!SINGLE_ADDRESS.test(to)) throw new Error(`Not a single e-mail address: ${JSON.stringify(to)}`);
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!LIST_HEADERS.includes(name) || /[\r\n]/.test(value)) throw new Error(`E-mail header refused: ${name}`);
  }
  const missing = REQUIRED_DATA[template].filter((key) => !data[key]);
  if (missing.length > 0) throw new Error(`E-mail ${template} is missing data: ${missing.join(', ')}`);
  if (!/^https?:\/\/[^\s<>"]+$/.test(data.link ?? '') || !URL.canParse(data.link ?? '')) {
    throw new Error(`E-mail ${template} needs an absolute http(s) link`);
  }
}

/** The subject, plain text and HTML of a message in the recipient's language. */
export function renderEmail(message: EmailMessage): RenderedEmail {
  const { locale, template } = message;
  const t = createTranslator(locale);
  const given = composableData(message);
  const data = { ...given, site: given.site || DEFAULT_SITE };
  // A subject is one header line whatever the data holds.
  const subject = t(SUBJECTS[template], data).replace(/[\r\n]+/g, ' ');
  const it = { t, locale, data, subject, lists: message.lists ?? {} };
  return {
    subject,
    text: textViews.render(`/emails/${template}.text.eta`, it),
    html: htmlViews.render(`/emails/${template}.html.eta`, it),
  };
}

/** The http(s) links in a plain-text body, in order, once each. */
function findLinks(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
}

function outboxFileName(template: EmailTemplate): string {
  // ISO 8601 without colons, which some file systems refuse; sorts by time.
  const stamp = new Date().toISOString().replace(/:/g, '-');
  return `${stamp}-${template}-${randomBytes(4).toString('hex')}.eml`;
}

export function createMailer(mail: Config['mail'], log: MailerLog): Mailer {
  const { transport } = mail;
  const envelope = (message: EmailMessage, rendered: RenderedEmail) => ({
    from: mail.from,
    to: message.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    // Quoted-printable rather than base64: the raw message (an outbox .eml) stays mostly legible.
    textEncoding: 'quoted-printable' as const,
    ...(message.headers?.['Message-ID'] ? { messageId: message.headers['Message-ID'] } : {}),
    headers: {
      ...Object.fromEntries(Object.entries(message.headers ?? {}).filter(([name]) => name !== 'Message-ID')),
      'Content-Language': message.locale,
      // RFC 3834: no out-of-office replies to an automatic message.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  });

  if (transport.kind === 'outbox') {
    const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    return {
      async send(message) {
        checkMessage(message);
        const rendered = renderEmail(message);
        const info = await composer.sendMail(envelope(message, rendered));
        await mkdir(transport.dir, { recursive: true });
        const file = path.join(transport.dir, outboxFileName(message.template));
        await writeFile(file, info.message as Buffer, { flag: 'wx' });
        // The demo has no mail server: the person trying it follows the link from the log.
        log.info(
          { to: message.to, template: message.template, links: findLinks(rendered.text), file },
          'e-mail written to the outbox',
        );
      },
      async close() {
        composer.close();
      },
    };
  }

  const smtp = createTransport({
    pool: true,
    host: transport.host,
    port: transport.port,
    // Implicit TLS when SMTP_SECURE; otherwise STARTTLS whenever the server offers it.
    secure: transport.secure,
    ...(transport.auth ? { auth: { user: transport.auth.user, pass: transport.auth.pass } } : {}),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  return {
    async send(message) {
      checkMessage(message);
      const rendered = renderEmail(message);
      try {
        const info = await smtp.sendMail(envelope(message, rendered));
        // No links here: they carry tokens that only the recipient should hold.
        log.info({ to: message.to, template: message.template, messageId: info.messageId }, 'e-mail sent');
      } catch (error) {
        log.error({ err: error, to: message.to, template: message.template }, 'e-mail could not be sent');
        throw error;
      }
    },
    async close() {
      smtp.close();
    },
  };
}
