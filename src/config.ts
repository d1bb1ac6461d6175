import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths.js';

// The one place that reads the environment. Everything else receives a frozen Config.

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a whole port number' })
    .min(0, { error: 'expected a port number between 0 and 65535' })
    .max(65535, { error: 'expected a port number between 0 and 65535' })
    .default(fallback);

const positiveInt = (fallback: number, what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .positive({ error: `expected ${what}` })
    .default(fallback);

/**
 * The attachment types Ágora recognises by their content (see src/attachments/attachment-files.ts), and so
 * the only ones ATTACHMENT_TYPES may name. Legacy Office files (.doc, .xls, .ppt) are missing on purpose:
 * their container cannot be told apart from an installer (.msi) without parsing it.
 */
export const KNOWN_ATTACHMENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/zip',
  'application/rtf',
  'application/x-7z-compressed',
] as const;

export type AttachmentType = (typeof KNOWN_ATTACHMENT_TYPES)[number];

/** Allowed when ATTACHMENT_TYPES is not set: every known type but RTF and 7-Zip. */
export const DEFAULT_ATTACHMENT_TYPES: readonly AttachmentType[] = KNOWN_ATTACHMENT_TYPES.filter(
  (type) => type !== 'application/rtf' && type !== 'application/x-7z-compressed',
);

/** Uploads are held in memory while they are checked: more than this is a mistake, not a setting. */
const ATTACHMENT_MAX_MB_CEILING = 100;

const attachmentTypes = z.string().transform((value, context): AttachmentType[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  const known: readonly string[] = KNOWN_ATTACHMENT_TYPES;
  const unknown = entries.filter((entry) => !known.includes(entry));
  if (entries.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `${unknown.map((entry) => JSON.stringify(entry)).join(', ')} not known; ` : '';
    context.addIssue({
      code: 'custom',
      message: `expected a comma-separated list of types recognised by content (${what}known: ${KNOWN_ATTACHMENT_TYPES.join(', ')})`,
    });
    return z.NEVER;
  }
  return [...new Set(entries as AttachmentType[])];
});

const postgresUrl = z
  .url({ error: 'expected a URL such as postgresql://user:password@host:5432/database' })
  .refine((value) => /^postgres(ql)?:\/\//.test(value), {
    error: 'expected a postgresql:// URL such as postgresql://user:password@host:5432/database',
  });

/** A provider's id: in its callback URL (/sign-in/sso/<id>/callback) and in the audit log. */
const providerId = /^[a-z0-9][a-z0-9-]{0,31}$/;

const claimName = z.string().min(1).max(100);

const oidcProviderSchema = z.object({
  id: z.string().regex(providerId, { error: 'expected 1 to 32 lower-case letters, digits or hyphens' }),
  name: z.string().min(1, { error: 'expected the name people see on the button' }).max(60),
  issuer: z.url({ error: 'expected the issuer URL, such as https://login.example.org/realms/agora' }),
  clientId: z.string().min(1, { error: 'expected the client id registered at the provider' }),
  clientSecret: z.string().min(1, { error: 'expected the client secret registered at the provider' }),
  scope: z
    .string()
    .refine((scope) => scope.split(/\s+/).includes('openid'), { error: 'expected the scopes to include openid' })
    .default('openid email profile'),
  claims: z
    .object({
      email: claimName.default('email'),
      emailVerified: claimName.default('email_verified'),
      name: claimName.default('name'),
      organization: claimName.optional(),
      department: claimName.optional(),
    })
    .default({ email: 'email', emailVerified: 'email_verified', name: 'name' }),
});

/** Where an issuer may be plain http: a provider on this machine (tests, a local try-out). */
function isLoopbackUrl(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

const oidcProviders = z.string().transform((value, context): OidcProviderConfig[] => {
  const fail = (message: string) => {
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail(
      'expected a JSON array such as [{"id":"aoc","name":"AOC","issuer":"https://…","clientId":"…","clientSecret":"…"}]',
    );
  }
  const result = z.array(oidcProviderSchema).max(10).safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = (issue?.path ?? [])
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('');
    return fail(`${where || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Set<string>();
  for (const [index, provider] of result.data.entries()) {
    if (seen.has(provider.id)) return fail(`[${index}].id: "${provider.id}" is used twice`);
    seen.add(provider.id);
    const issuer = new URL(provider.issuer);
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackUrl(issuer))) {
      return fail(`[${index}].issuer: expected an https:// URL (plain http only for localhost)`);
    }
  }
  return result.data.map((provider) => Object.freeze({ ...provider, claims: Object.freeze({ ...provider.claims }) }));
});

export const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'expected development, production or test' })
    .default('development'),
  HOST: z.string().min(1, { error: 'expected a host name or address to listen on' }).default('127.0.0.1'),
  PORT: port(3000),
  PUBLIC_URL: z.url({ error: 'expected the absolute URL people use, such as https://agora.example.org' }).optional(),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[\d.:/a-fA-F, ]+)$/, {
      error: 'expected false, true, a number of proxy hops, or a comma-separated list of proxy addresses',
    })
    .default('false'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: positiveInt(10, 'a positive whole number of connections'),
  // Bounded: PostgreSQL's lock_timeout and Node's timers stop at 2^31 - 1 ms (a larger value became 1 ms).
  DATABASE_LOCK_TIMEOUT_SECONDS: positiveInt(5, 'a whole number of seconds from 1 to 600').pipe(
    z.number().max(600, { error: 'expected a whole number of seconds from 1 to 600' }),
  ),
  DATABASE_QUERY_TIMEOUT_SECONDS: positiveInt(30, 'a whole number of seconds from 1 to 3600').pipe(
    z.number().max(3600, { error: 'expected a whole number of seconds from 1 to 3600' }),
  ),
  EMBEDDED_DB_DIR: z.string().min(1, { error: 'expected a folder path' }).default('.data/postgres'),
  EMBEDDED_DB_PORT: port(0),
  MIGRATE_ON_START: booleanText.default(true),
  METRICS_TOKEN: z
    .string()
    .min(24, { error: 'expected a secret of at least 24 characters (or leave it unset: no /metrics)' })
    .optional(),
  JOB_WORKERS: z
    .enum(['in-process', 'none'], {
      error: 'expected in-process (this process runs the jobs) or none (`npm run worker` runs them)',
    })
    .default('in-process'),
  COMPRESS: z
    .enum(['on', 'off'], { error: 'expected on (Ágora compresses its answers) or off (a proxy in front does)' })
    .default('on'),
  DEMO_DATA: booleanText.optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  RATE_LIMIT_MAX: positiveInt(300, 'a positive whole number of requests'),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60, 'a positive whole number of seconds'),
  RATE_LIMIT_SENSITIVE_MAX: positiveInt(10, 'a positive whole number of requests'),
  SHUTDOWN_TIMEOUT_SECONDS: positiveInt(10, 'a positive whole number of seconds'),
  TIME_ZONE: z
    .string()
    .refine(
      (zone) => {
        try {
          new Intl.DateTimeFormat('es', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      },
      { error: 'expected an IANA time zone such as Europe/Madrid or Atlantic/Canary' },
    )
    .default('Europe/Madrid'),
  SESSION_IDLE_MINUTES: positiveInt(30, 'a positive whole number of minutes'),
  SESSION_ABSOLUTE_HOURS: positiveInt(12, 'a positive whole number of hours'),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port(587),
  SMTP_SECURE: booleanText.default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  MAIL_FROM: z
    .string()
    .regex(/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$|^[^\s@<>]+@[^\s@<>]+$/, {
      error: 'expected an address such as Ágora <no-reply@agora.example.org>',
    })
    .default('Ágora <no-reply@localhost>'),
  MAIL_OUTBOX_DIR: z.string().min(1, { error: 'expected a folder path' }).default('.data/outbox'),
  ATTACHMENTS_DIR: z.string().min(1, { error: 'expected a folder path' }).default('.data/attachments'),
  ATTACHMENT_MAX_MB: z.coerce
    .number({ error: `expected a positive number of megabytes, at most ${ATTACHMENT_MAX_MB_CEILING}` })
    .positive({ error: `expected a positive number of megabytes, at most ${ATTACHMENT_MAX_MB_CEILING}` })
    .max(ATTACHMENT_MAX_MB_CEILING, {
      error: `expected a positive number of megabytes, at most ${ATTACHMENT_MAX_MB_CEILING}`,
    })
    .default(10),
  ATTACHMENT_TYPES: attachmentTypes.default([...DEFAULT_ATTACHMENT_TYPES]),
  ATTACHMENTS_PER_POST: positiveInt(5, 'a positive whole number of files'),
  SEARCH_RANKED_RESULTS: positiveInt(1000, 'a positive whole number of results'),
  OIDC_PROVIDERS: oidcProviders.optional(),
  BACKUP_DIR: z.string().min(1, { error: 'expected a folder path' }).default('.data/backups'),
  /** Where data exports (GDPR Art. 15 and 20) are kept until they expire; default: `exports` in ATTACHMENTS_DIR. */
  EXPORTS_DIR: z.string().min(1, { error: 'expected a folder path' }).optional(),
  EXPORTS_KEEP_DAYS: positiveInt(7, 'a positive whole number of days'),
});

/** One OpenID Connect identity provider people may sign in with (OIDC_PROVIDERS). */
export interface OidcProviderConfig {
  /** Lower-case id: in the callback URL /sign-in/sso/<id>/callback, in sessions and in the audit log. */
  readonly id: string;
  /** What the button says: "Entrar con <name>". */
  readonly name: string;
  /** The issuer; its /.well-known/openid-configuration is read (OpenID Connect Discovery 1.0). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes asked for; `openid` must be among them. */
  readonly scope: string;
  /** Which claims of the ID token (or userinfo) carry these facts. */
  readonly claims: {
    readonly email: string;
    readonly emailVerified: string;
    readonly name: string;
    readonly organization?: string | undefined;
    readonly department?: string | undefined;
  };
}

export type Env = z.infer<typeof envSchema>;

/** The ways a search finds its results (src/search/search.service.ts): the same results, at different costs. */
export type SearchWay = 'walk' | 'every-match' | 'every-match-by-date';

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  /** The absolute URL people reach Ágora at; its protocol decides whether cookies are Secure. */
  readonly publicUrl: URL;
  readonly trustProxy: boolean | number | string[];
  readonly database:
    | { readonly kind: 'server'; readonly url: string; readonly poolMax: number }
    | { readonly kind: 'embedded'; readonly dir: string; readonly port: number; readonly poolMax: number };
  /**
   * How long the web process's statements may wait (src/db/client.ts DatabaseTimeouts): for rows another
   * writer holds (PostgreSQL's lock_timeout; then a 503 "busy"), and for any answer at all (a hung
   * server; then a 503 "away"). Milliseconds.
   */
  readonly databaseTimeouts: { readonly lockMs: number; readonly queryMs: number };
  readonly migrateOnStart: boolean;
  /** The bearer token Prometheus sends to `GET /metrics`; null: no metrics (the route answers 404). */
  readonly metricsToken: string | null;
  /** Whether the web process also works the job queues ('none': a separate `npm run worker` does). */
  readonly jobWorkers: 'in-process' | 'none';
  /** Whether Ágora compresses its answers (brotli or gzip); false where a proxy in front already does. */
  readonly compress: boolean;
  readonly demoData: boolean;
  readonly logLevel: Env['LOG_LEVEL'];
  /** `sensitiveMax`: sign-ups, password resets and the like, per address per 15 minutes. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number; readonly sensitiveMax: number };
  readonly shutdownTimeoutMs: number;
  /** Dates are shown in this zone (the administration's). */
  readonly timeZone: string;
  /**
   * A search ranks every result the viewer may read when there are at most `rankedResults` of them, else
   * the newest `rankedResults`, and says so (src/search/search.service.ts; ADR 027).
   */
  readonly search: {
    readonly rankedResults: number;
    /** How results are found: chosen per search (unset), or always one way (tests prove them alike). */
    readonly way?: SearchWay;
  };
  readonly sessions: { readonly idleMs: number; readonly absoluteMs: number };
  readonly mail: {
    readonly from: string;
    /** SMTP when SMTP_HOST is set; otherwise messages are written to a folder and their links logged. */
    readonly transport:
      | {
          readonly kind: 'smtp';
          readonly host: string;
          readonly port: number;
          readonly secure: boolean;
          readonly auth: { readonly user: string; readonly pass: string } | null;
        }
      | { readonly kind: 'outbox'; readonly dir: string };
  };
  /** Files attached to posts. `maxBytes`: per file (ATTACHMENT_MAX_MB × 1 048 576). */
  readonly attachments: {
    readonly dir: string;
    readonly maxBytes: number;
    /** MIME types, as recognised from the files' content. */
    readonly allowedTypes: readonly AttachmentType[];
    readonly perPost: number;
  };
  /** Single sign-on: the OpenID Connect providers offered on the sign-in page (none: passwords only). */
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** Where `npm run backup` writes its archives unless given a folder. */
  readonly backupDir: string;
  /** Data exports (GDPR Art. 15 and 20): their folder, and how many days one can be downloaded. */
  readonly exports: { readonly dir: string; readonly keepDays: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'it is not set';
  return `got ${JSON.stringify(value)}`;
}

function parseTrustProxy(value: string): Config['trustProxy'] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Parses an environment into a frozen Config; throws ConfigError with one line per problem. */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  // An empty variable (FOO= in a .env file) means "not set", as in docker compose.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    // One line per variable: its first problem is the one to fix.
    const problems = new Map<string, string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      if (!problems.has(name)) problems.set(name, `${name}: ${issue.message} (${describeValue(present[name])})`);
    }
    throw new ConfigError([...problems.values()]);
  }
  const env = result.data;
  const database: Config['database'] = env.DATABASE_URL
    ? { kind: 'server', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
    : {
        kind: 'embedded',
        dir: path.resolve(projectRoot, env.EMBEDDED_DB_DIR),
        port: env.EMBEDDED_DB_PORT,
        poolMax: env.DATABASE_POOL_MAX,
      };
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`);
  return Object.freeze({
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    database: Object.freeze(database),
    databaseTimeouts: Object.freeze({
      lockMs: env.DATABASE_LOCK_TIMEOUT_SECONDS * 1000,
      queryMs: env.DATABASE_QUERY_TIMEOUT_SECONDS * 1000,
    }),
    migrateOnStart: env.MIGRATE_ON_START,
    jobWorkers: env.JOB_WORKERS,
    compress: env.COMPRESS === 'on',
    metricsToken: env.METRICS_TOKEN ?? null,
    // Demo data belongs to the embedded database that `npm start` runs; a real server opts in.
    demoData: env.DEMO_DATA ?? database.kind === 'embedded',
    logLevel: env.LOG_LEVEL,
    rateLimit: Object.freeze({
      max: env.RATE_LIMIT_MAX,
      windowMs: env.RATE_LIMIT_WINDOW_SECONDS * 1000,
      sensitiveMax: env.RATE_LIMIT_SENSITIVE_MAX,
    }),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    timeZone: env.TIME_ZONE,
    search: Object.freeze({ rankedResults: env.SEARCH_RANKED_RESULTS }),
    sessions: Object.freeze({
      idleMs: env.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: env.SESSION_ABSOLUTE_HOURS * 3_600_000,
    }),
    mail: Object.freeze({
      from: env.MAIL_FROM,
      transport: Object.freeze(
        env.SMTP_HOST
          ? {
              kind: 'smtp' as const,
              host: env.SMTP_HOST,
              port: env.SMTP_PORT,
              secure: env.SMTP_SECURE,
              auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? '' } : null,
            }
          : { kind: 'outbox' as const, dir: path.resolve(projectRoot, env.MAIL_OUTBOX_DIR) },
      ),
    }),
    attachments: Object.freeze({
      dir: path.resolve(projectRoot, env.ATTACHMENTS_DIR),
      maxBytes: Math.floor(env.ATTACHMENT_MAX_MB * 1024 * 1024),
      allowedTypes: Object.freeze([...env.ATTACHMENT_TYPES]),
      perPost: env.ATTACHMENTS_PER_POST,
    }),
    oidcProviders: Object.freeze([...(env.OIDC_PROVIDERS ?? [])]),
    backupDir: path.resolve(projectRoot, env.BACKUP_DIR),
    exports: Object.freeze({
      dir: env.EXPORTS_DIR
        ? path.resolve(projectRoot, env.EXPORTS_DIR)
        : path.join(path.resolve(projectRoot, env.ATTACHMENTS_DIR), 'exports'),
      keepDays: env.EXPORTS_KEEP_DAYS,
    }),
  });
}

/** The process environment, read here and nowhere else. */
export function readProcessEnv(): Record<string, string | undefined> {
  return process.env;
}
