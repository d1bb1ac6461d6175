import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// An SMTP server inside the test process: it accepts every message on 127.0.0.1 and keeps
// it, decoded just enough to assert on (headers, text part, HTML part). No TLS, no auth.

export interface ReceivedMessage {
  /** The From header, decoded: `Ágora <no-reply@agora.test>`. */
  from: string;
  /** The envelope recipients (RCPT TO), which is where the message really went. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Every header, by lower-case name, unfolded and decoded (the last one wins). */
  headers: Record<string, string>;
  /** The message as received: RFC 822 with CRLF line ends. */
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  messages: ReceivedMessage[];
  waitForMessage(predicate: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  close(): Promise<void>;
}

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`); adjacent words join, bytes may span them. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g;
  let result = '';
  let pending: Buffer[] = [];
  let last = 0;
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index);
    // Whitespace between two encoded words is folding, not content.
    if (pending.length === 0 || between.trim() !== '') {
      result += Buffer.concat(pending).toString('utf8') + between;
      pending = [];
    }
    const [, charset = '', encoding = '', text = ''] = match;
    if (!/^(utf-8|us-ascii)$/i.test(charset)) throw new Error(`Unexpected charset ${charset}`);
    pending.push(
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintableBytes(text.replace(/_/g, ' ')),
    );
    last = match.index + match[0].length;
  }
  return result + Buffer.concat(pending).toString('utf8') + value.slice(last);
}

function decodeQuotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** Quoted-printable body (RFC 2045 §6.7) to text: soft line breaks removed, bytes decoded as UTF-8. */
export function decodeQuotedPrintable(text: string): string {
  return decodeQuotedPrintableBytes(text.replace(/=\r?\n/g, '')).toString('utf8');
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  // Unfold: a line that starts with white space continues the previous one.
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return headers;
}

function splitPart(raw: string): MimePart {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { headers: parseHeaders(raw), body: '' };
  return { headers: parseHeaders(raw.slice(0, match.index)), body: raw.slice(match.index + match[0].length) };
}

function headerParam(header: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(header);
  return match?.[1] ?? null;
}

/** A text part's content with LF line ends. */
function decodeBody({ headers, body }: MimePart): string {
  const charset = headerParam(headers['content-type'] ?? '', 'charset') ?? 'us-ascii';
  if (!/^(utf-8|us-ascii)$/i.test(charset)) throw new Error(`Unexpected charset ${charset}`);
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return decoded.replace(/\r\n/g, '\n');
}

/** The leaf parts of a message, multipart ones flattened in order. */
function leafParts(part: MimePart): MimePart[] {
  const type = part.headers['content-type'] ?? 'text/plain';
  if (!/^multipart\//i.test(type)) return [part];
  const boundary = headerParam(type, 'boundary');
  if (!boundary) throw new Error(`Multipart without a boundary: ${type}`);
  const [, ...sections] = part.body.split(`--${boundary}`);
  return sections
    .filter((section) => !section.startsWith('--'))
    .flatMap((section) => leafParts(splitPart(section.replace(/^\r?\n/, '').replace(/\r?\n$/, ''))));
}

/** Parses an RFC 822 message (as the SMTP server or the outbox keeps it) into what tests look at. */
export function parseMessage(raw: string, envelopeTo: string[] = []): ReceivedMessage {
  const message = splitPart(raw);
  const parts = leafParts(message);
  const body = (type: string) => {
    const part = parts.find((candidate) => (candidate.headers['content-type'] ?? 'text/plain').startsWith(type));
    return part ? decodeBody(part) : '';
  };
  return {
    from: message.headers.from ?? '',
    to: envelopeTo,
    subject: message.headers.subject ?? '',
    text: body('text/plain'),
    html: body('text/html'),
    headers: message.headers,
    raw,
  };
}

/** The http(s) links in a text, in order, once each. */
export function linksIn(text: string): string[] {
  const found = text.match(/https?:\/\/[^\s<>"']+/g) ?? [];
  // A sentence may end right after a link.
  return [...new Set(found.map((link) => link.replace(/[.,;:!?)]+$/, '')))];
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const waiters = new Set<(message: ReceivedMessage) => void>();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // No DNS without internet: a reverse lookup of 127.0.0.1 could stall the greeting.
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const message = parseMessage(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.rcptTo.map((address) => address.address),
        );
        messages.push(message);
        for (const waiter of waiters) waiter(message);
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    messages,
    waitForMessage(predicate, timeoutMs = 5_000) {
      const already = messages.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = (message: ReceivedMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((message) => `${message.to.join(', ')}: ${message.subject}`);
          reject(new Error(`No matching message within ${timeoutMs} ms; received:\n${seen.join('\n') || '(none)'}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
