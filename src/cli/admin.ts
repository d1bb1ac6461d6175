import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signUpForm } from '../accounts/accounts.schemas.js';
import { checkPassword, hashPassword, type PasswordProblem } from '../accounts/password.js';
import { createAuditLog } from '../audit/audit.service.js';
import { systemAuditContext } from '../audit/audit-context.js';
import { ConfigError, loadConfig, readProcessEnv } from '../config.js';
import { createDb, type Db } from '../db/client.js';
import { type DatabaseHandle, openDatabase, redactUrl } from '../db/database-server.js';
import { Prisma } from '../generated/prisma/client.js';
import { createTranslator, type MessageKey } from '../i18n/i18n.js';

// `npm run admin -- create --email <e-mail> --name "<display name>" --handle <handle> [--password-stdin]`:
// makes a site administrator — a new verified account, or the existing account with that e-mail
// promoted. A new account gets a generated password, printed once, unless one is piped on stdin.
// Exit codes: 0 done, 1 failed (one line on stderr), 2 bad arguments (usage on stderr).

const USAGE = `Usage: npm run admin -- create --email <e-mail> --name "<display name>" --handle <handle> [--password-stdin]

Creates a verified site administrator, or makes the existing account with that e-mail one.
  --email           the administrator's e-mail address (an organization's domain makes them its employee)
  --name            the display name, in quotes if it has spaces
  --handle          3 to 30 lower-case letters, digits, - or _
  --password-stdin  read the password from the first line of stdin instead of generating one
                    (for an existing account: set this password; without it the password is kept)`;

const en = createTranslator('en');

class UsageError extends Error {}

/** A refusal to explain as it is, without the database's address. */
class Refusal extends Error {}

interface CreateCommand {
  readonly email: string;
  readonly displayName: string;
  readonly handle: string;
  readonly passwordStdin: boolean;
}

const identityFields = signUpForm.pick({ email: true, displayName: true, handle: true });
const OPTION_OF: Readonly<Record<string, string>> = { email: '--email', displayName: '--name', handle: '--handle' };

function parseCommand(argv: readonly string[]): CreateCommand | 'help' {
  let parsed: ReturnType<typeof parseCreateArgs>;
  try {
    parsed = parseCreateArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1 || positionals[0] !== 'create') {
    throw new UsageError(
      positionals.length === 0 ? 'Missing the command: create.' : `Unknown command: ${positionals.join(' ')}.`,
    );
  }
  const missing = (['email', 'name', 'handle'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
  const checked = identityFields.safeParse({ email: values.email, displayName: values.name, handle: values.handle });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    throw new UsageError(`${OPTION_OF[field] ?? field}: ${en((issue?.message ?? '') as MessageKey)}`);
  }
  return { ...checked.data, passwordStdin: values['password-stdin'] ?? false };
}

function parseCreateArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      handle: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

// Everyday Spanish words in plain ASCII, easy to type on any keyboard.
const WORDS = [
  ...new Set(
    `agua aire alba alma amigo arbol arena arroz azul barco barro bosque brazo brisa burro caballo cabra calle cama
    camino campo canal canto casa castillo cebolla cena cerezo cielo cine ciudad clavo cobre coche codo cola collar
    colina conejo copa corral costa cuerda cueva dedo delfin diente disco dulce duna escoba espejo estrella faro
    fiesta flor fresa fruta fuego fuente gato globo gota grano granja grillo guante haba hielo hierba hierro higo
    hoja horno huerto huevo humo isla jabon jardin jarra lago lana lapiz laurel leche lechuga leon libro lima limon
    lino llave lluvia lobo luna madera maiz mango manta manzana mapa marco mesa miel mina molino monte mora muro
    nave niebla nieve nido noche nube nuez oliva olmo oveja paja pajaro pala palma paloma papel parque pasta pato
    pera perro piano piedra pino pipa plata plato playa pluma pozo prado puente puerta pulpo queso radio rama rana
    raton reloj roble roca rosa rueda salvia sapo selva seta sierra silla sombra sopa taza techo tejado tela tierra
    tigre tomate torre trigo trueno tubo vaca valle vaso vela venado ventana verano viento vino volcan yegua zorro
    zumo abeto acero aguila almendra ancla anillo arco ardilla arpa atun avena balsa banco barca bahia bota botella
    brujula bufanda caldo cancion canoa cardo carbon cartel cesta chispa cima cisne cofre cometa concha corcho
    cuadro cubo cuchara cumbre dado dardo duende ebano encina espiga faisan farol flauta foca gallo garza gaviota
    girasol golfo gorra grulla haya helecho hormiga jazmin jirafa junco ladrillo lagarto lancha lente lirio loro
    madeja malva marmol mastil mecha melon menta mimbre mirlo mochila morsa mosca muelle musgo naranja nectar nogal
    nutria ocaso olivo orilla ortiga palmera panal pantano pepino perla pimienta pinza pizarra polen pomelo puma
    rastro rayo remo retama rocio romero sabana salmon sandia sardina sauce senda sidra suelo tambor tapiz tejo tiza
    tomillo topo tortuga trebol trucha tulipan turron vapor vereda violeta yunque zafiro`
      .split(/\s+/)
      .filter(Boolean),
  ),
];

/** Five random words and a four-digit number: about 53 bits, easy to read out and type. */
function generatePassword(context: { email: string; handle: string; displayName: string }): string {
  for (;;) {
    const words = Array.from({ length: 5 }, () => WORDS[randomInt(WORDS.length)] ?? 'sauce');
    const password = `${words.join('-')}-${String(randomInt(10_000)).padStart(4, '0')}`;
    if (password.length >= 20 && checkPassword(password, context) === null) return password;
  }
}

const PASSWORD_MESSAGES: Readonly<Record<PasswordProblem, MessageKey>> = {
  too_short: 'accounts.password.tooShort',
  too_long: 'accounts.password.tooLong',
  common: 'accounts.password.common',
  personal: 'accounts.password.personal',
};

/** The first line of stdin, exactly as typed but for its line end. */
async function readPasswordLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const newline = text.indexOf('\n');
  const line = newline === -1 ? text : text.slice(0, newline);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

interface Outcome {
  readonly created: boolean;
  readonly description: string;
  /** The generated password, to print once; null when none was generated. */
  readonly password: string | null;
}

async function makeAdministrator(db: Db, command: CreateCommand, givenPassword: string | null): Promise<Outcome> {
  const audit = createAuditLog({ db });
  // Whoever runs the command is at the server, not signed in to Ágora: the entries name no actor, and
  // `via: 'cli'` says how the role was given.
  const context = systemAuditContext();
  const existing = await db.user.findUnique({
    where: { email: command.email },
    select: { id: true, handle: true, status: true, emailVerifiedAt: true },
  });

  if (existing) {
    const passwordHash = givenPassword === null ? null : await hashPassword(givenPassword);
    await db.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: existing.id },
        data: {
          role: 'ADMIN',
          emailVerifiedAt: existing.emailVerifiedAt ?? new Date(),
          ...(passwordHash ? { passwordHash } : {}),
        },
      });
      // A new password ends the sessions opened with the old one.
      if (passwordHash) await tx.session.deleteMany({ where: { userId: existing.id } });
      await audit.record(
        context,
        {
          action: 'admin.role_grant',
          outcome: 'SUCCESS',
          target: { type: 'user', id: existing.id },
          details: { via: 'cli', existingAccount: true, passwordChanged: passwordHash !== null },
        },
        tx,
      );
    });
    const notes = [
      passwordHash ? 'its password is now the one given' : 'it keeps its password',
      ...(existing.status === 'SUSPENDED' ? ['note: the account is suspended; reactivate it in /admin/users'] : []),
    ];
    return {
      created: false,
      description: `The account @${existing.handle} <${command.email}> is now an administrator (${notes.join('; ')}).`,
      password: null,
    };
  }

  if (await db.user.findUnique({ where: { handle: command.handle }, select: { id: true } })) {
    throw new Refusal(`The handle @${command.handle} is already taken by another account; choose another --handle.`);
  }
  const organization = await db.organization.findFirst({
    where: { emailDomains: { has: domainOf(command.email) } },
    select: { id: true, name: true },
  });
  const password = givenPassword ?? generatePassword(command);
  const passwordHash = await hashPassword(password);
  const kind = organization ? 'EMPLOYEE' : 'CITIZEN';
  await db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        email: command.email,
        handle: command.handle,
        displayName: command.displayName,
        passwordHash,
        kind,
        role: 'ADMIN',
        emailVerifiedAt: new Date(),
        organizationId: organization?.id ?? null,
      },
      select: { id: true },
    });
    await audit.record(
      context,
      {
        action: 'admin.user_create',
        outcome: 'SUCCESS',
        target: { type: 'user', id: user.id },
        details: { via: 'cli', kind, role: 'ADMIN' },
      },
      tx,
    );
  });
  const what = organization
    ? `an employee of ${organization.name}`
    : 'a citizen account (no organization has its domain)';
  return {
    created: true,
    description: `Created the administrator @${command.handle} <${command.email}>, ${what}.`,
    password: givenPassword === null ? password : null,
  };
}

function describeFailure(error: unknown, url: string | null): string {
  if (error instanceof Refusal) return error.message;
  if (error instanceof ConfigError) return `Ágora's environment is invalid: ${error.problems.join('; ')}`;
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2021') {
    return 'The database has no tables yet: run `npm run db:migrate` first.';
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    return 'Another account took that e-mail or handle meanwhile; run the command again.';
  }
  // Prisma prefixes its messages with the call that failed; the reason is what helps IT.
  const message = (error as Error).message
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^Invalid `[^`]+` invocation:\s*/, '');
  return url ? `Could not create the administrator in ${redactUrl(url)}: ${message}` : message;
}

async function main(argv: readonly string[]): Promise<number> {
  let command: CreateCommand | 'help';
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let givenPassword: string | null = null;
  if (command.passwordStdin) {
    givenPassword = await readPasswordLine();
    const problem = checkPassword(givenPassword, command);
    if (problem) {
      process.stderr.write(`The password on stdin was refused: ${en(PASSWORD_MESSAGES[problem])}\n`);
      return 1;
    }
  }

  let database: DatabaseHandle | undefined;
  let db: Db | undefined;
  try {
    const config = loadConfig(readProcessEnv());
    database = await openDatabase(config.database);
    db = createDb(database.url, 2);
    const outcome = await makeAdministrator(db, command, givenPassword);
    process.stdout.write(`${outcome.description}\n`);
    if (outcome.password) process.stdout.write(`Password (shown only this once): ${outcome.password}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${describeFailure(error, database?.url ?? null)}\n`);
    return 1;
  } finally {
    await db?.$disconnect();
    await database?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
