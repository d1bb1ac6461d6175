import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths.js';

// The deployment contract IT relies on (docker-compose.yml, Dockerfile, .env.example),
// checked here because Docker cannot run on the development and CI machines.

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');

type Environment = Record<string, string>;

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  profiles?: string[];
  restart?: string;
  read_only?: boolean;
  tmpfs?: string | string[];
  mem_limit?: string | number;
  cpus?: string | number;
  pids_limit?: number;
  env_file?: string | string[];
  user?: string;
  deploy?: { resources?: { limits?: { memory?: string; cpus?: string | number } } };
}

interface Compose {
  name?: string;
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const services = compose.services ?? {};

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** A service's environment as name → text, from either of compose's two syntaxes. */
function environmentOf(entry: Service): Environment {
  const environment = entry.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((line) => {
        const at = line.indexOf('=');
        return at === -1 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value == null ? '' : String(value)]),
  );
}

/** A service's mounts as source → target, from either of compose's two syntaxes. */
function mountsOf(entry: Service): { source: string; target: string }[] {
  return (entry.volumes ?? []).map((volume) =>
    typeof volume === 'string'
      ? { source: volume.split(':')[0] ?? '', target: volume.split(':')[1] ?? '' }
      : { source: volume.source ?? '', target: volume.target ?? '' },
  );
}

/** Compose's name for a volume of this project, as opposed to a folder of the host (`./x`, `/x`, `~/x`). */
const NAMED_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function healthcheckText(entry: Service): string {
  const test = entry.healthcheck?.test ?? '';
  return Array.isArray(test) ? test.join(' ') : test;
}

/** `${NAME}` or `${NAME:?message}` / `${NAME?message}`: taken from the environment, with no default value. */
const REQUIRED_VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?\?[^}]*)?\}$/;
const SECRET_KEY = /PASSWORD|SECRET|TOKEN/i;

describe('docker-compose.yml', () => {
  it('defines the db and app services, started without a profile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['db', 'app']));
    expect(service('db').profiles ?? []).toEqual([]);
    expect(service('app').profiles ?? []).toEqual([]);
  });

  describe('db', () => {
    it('runs PostgreSQL 18: the official image unless AGORA_POSTGRES_IMAGE names another', () => {
      const image = service('db').image ?? '';
      const official = /^\$\{AGORA_POSTGRES_IMAGE:-([^}]+)\}$/.exec(image)?.[1] ?? image;
      expect(official).toMatch(/^(docker\.io\/)?(library\/)?postgres:18([.\-@]|$)/);
    });

    it('keeps its data in a declared named volume mounted at /var/lib/postgresql', () => {
      // PostgreSQL 18 images keep PGDATA in /var/lib/postgresql/18/docker: mount the parent.
      const data = mountsOf(service('db')).find((mount) => mount.target === '/var/lib/postgresql');
      expect(data, 'a volume mounted at /var/lib/postgresql').toBeDefined();
      const source = data?.source ?? '';
      expect(source, 'a named volume, not a folder of the host').toMatch(NAMED_VOLUME);
      expect(Object.keys(compose.volumes ?? {}), 'declared under the top-level volumes').toContain(source);
    });

    it('reports healthy through pg_isready', () => {
      expect(healthcheckText(service('db'))).toMatch(/\bpg_isready\b/);
    });
  });

  describe('app', () => {
    it('is built from the Dockerfile of the project', () => {
      const build = service('app').build;
      expect(build, 'app has a build section').toBeDefined();
      const context = typeof build === 'string' ? build : (build?.context ?? '.');
      const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
      const resolved = path.resolve(projectRoot, context, dockerfile);
      expect(resolved).toBe(path.join(projectRoot, 'Dockerfile'));
      expect(existsSync(resolved)).toBe(true);
    });

    it('waits for a healthy database', () => {
      const dependsOn = service('app').depends_on;
      expect(Array.isArray(dependsOn), 'the long depends_on syntax, which has conditions').toBe(false);
      const db = Array.isArray(dependsOn) ? undefined : dependsOn?.db;
      expect(db?.condition).toBe('service_healthy');
    });

    it('reports healthy through GET /readyz', () => {
      expect(healthcheckText(service('app'))).toMatch(/\/readyz\b/);
    });

    it('keeps attached files in a declared named volume, mounted where ATTACHMENTS_DIR points', () => {
      const dir = environmentOf(service('app')).ATTACHMENTS_DIR ?? '';
      // Absolute: a relative folder would be resolved inside the image's read-only /app.
      expect(dir, 'ATTACHMENTS_DIR, an absolute path in the container').toMatch(/^\/[^$]+$/);
      const files = mountsOf(service('app')).find((mount) => mount.target === dir);
      expect(files, `a volume mounted at ${dir}`).toBeDefined();
      const source = files?.source ?? '';
      expect(source, 'a named volume, not a folder of the host').toMatch(NAMED_VOLUME);
      expect(Object.keys(compose.volumes ?? {}), 'declared under the top-level volumes').toContain(source);
      expect(source, 'not the database volume').not.toBe(
        mountsOf(service('db')).find((mount) => mount.target === '/var/lib/postgresql')?.source,
      );
    });

    it('gets a DATABASE_URL to the db service built from the database settings', () => {
      const url = environmentOf(service('app')).DATABASE_URL ?? '';
      // Interpolations may hold ':' and '@' (`${NAME:?message}`): set them aside to split the URL.
      const interpolations: string[] = [];
      const masked = url.replace(/\$\{[^}]*\}/g, (text) => `\0${interpolations.push(text) - 1}\0`);
      const unmask = (text: string) =>
        text.replace(/\0(\d+)\0/g, (_, index: string) => interpolations[Number(index)] ?? '');
      const match = /^postgres(?:ql)?:\/\/([^:@/]+):([^@/]+)@([^@/]+)\/([^/?#]+)$/.exec(masked);
      expect(
        match,
        `DATABASE_URL ${JSON.stringify(url)} looks like postgresql://user:password@db:5432/name`,
      ).not.toBeNull();
      const [user = '', password = '', host = '', database = ''] = (match ?? []).slice(1).map(unmask);
      expect(host).toMatch(/^db(:5432)?$/);
      const db = environmentOf(service('db'));
      const variable = (text: string) => /^\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1];
      // The same variables as the db service, so the two always agree.
      expect(variable(user)).toBeDefined();
      expect(variable(user)).toBe(variable(db.POSTGRES_USER ?? ''));
      expect(variable(database)).toBeDefined();
      expect(variable(database)).toBe(variable(db.POSTGRES_DB ?? ''));
      expect(password).toMatch(REQUIRED_VARIABLE);
      expect(variable(password)).toBe(variable(db.POSTGRES_PASSWORD ?? ''));
    });
  });

  it('hard-codes no secret: passwords, secrets and tokens come from .env with no default', () => {
    const checked: string[] = [];
    for (const [name, entry] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(entry))) {
        if (!SECRET_KEY.test(key)) continue;
        checked.push(`${name}.${key}`);
        expect(value, `${name}.${key}`).toMatch(REQUIRED_VARIABLE);
      }
    }
    expect(checked).toContain('db.POSTGRES_PASSWORD');
  });

  // Debian 12's docker-compose 1.29 refuses a top-level `name:` (COMPOSE_PROJECT_NAME in .env instead).
  it('is read by docker-compose 1.29 too: no top-level name', () => {
    expect(compose.name).toBeUndefined();
  });

  describe('what runs all the time (db, app, worker)', () => {
    const running = () => Object.entries(services).filter(([, entry]) => (entry.profiles ?? []).length === 0);

    it('is restarted unless stopped by hand', () => {
      expect(running().map(([name]) => name)).toEqual(expect.arrayContaining(['db', 'app', 'worker']));
      for (const [name, entry] of running()) expect(entry.restart, name).toBe('unless-stopped');
    });

    // mem_limit / cpus rather than deploy.resources: both compose versions apply them (1.29 ignores
    // deploy.resources without --compatibility).
    it('has memory, CPU and process limits', () => {
      for (const [name, entry] of running()) {
        expect(String(entry.mem_limit ?? ''), `${name}.mem_limit`).toMatch(/^\d+(\.\d+)?[kmg]b?$/i);
        expect(Number(entry.cpus), `${name}.cpus`).toBeGreaterThan(0);
        expect(entry.pids_limit, `${name}.pids_limit`).toBeGreaterThan(0);
        expect(entry.deploy?.resources?.limits, `${name}: one way of setting limits`).toBeUndefined();
      }
    });
  });

  describe('app and worker (the image of the Dockerfile)', () => {
    for (const name of ['app', 'worker']) {
      it(`${name} runs with a read-only root file system, /tmp in memory`, () => {
        const entry = service(name);
        expect(entry.read_only).toBe(true);
        const tmpfs = typeof entry.tmpfs === 'string' ? [entry.tmpfs] : (entry.tmpfs ?? []);
        expect(tmpfs.map((mount) => mount.split(':')[0])).toContain('/tmp');
        expect(entry.image).toBe(service('app').image);
      });

      it(`${name} keeps the image's unprivileged user`, () => {
        expect(service(name).user ?? 'node').not.toMatch(/^(root|0)(:.*)?$/);
      });

      it(`${name} writes files only where it may: volumes or /tmp`, () => {
        const environment = environmentOf(service(name));
        const writable = [...mountsOf(service(name)).map((mount) => mount.target), '/tmp'];
        for (const key of ['ATTACHMENTS_DIR', 'MAIL_OUTBOX_DIR']) {
          const dir = environment[key] ?? '';
          expect(dir, `${name}.${key}, absolute`).toMatch(/^\//);
          expect(
            writable.some((root) => dir === root || dir.startsWith(`${root}/`)),
            `${name}.${key} (${dir}) under ${writable.join(', ')}`,
          ).toBe(true);
        }
      });
    }
  });

  it('puts the mail catcher behind a profile', () => {
    const catchers = Object.entries(services).filter(([, entry]) =>
      /mailpit|mailhog|mailcatcher|smtp4dev/i.test(entry.image ?? ''),
    );
    expect(catchers.length, 'a mail catcher service').toBeGreaterThan(0);
    for (const [name, entry] of catchers) {
      expect(entry.profiles?.length ?? 0, `${name} has a profile`).toBeGreaterThan(0);
    }
  });
});

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions, without comments, continuation lines joined. */
function dockerInstructions(text: string): Instruction[] {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** An exec-form ["sh", "-c", "…"] or shell-form command, as one line of text. */
function commandText(args: string): string {
  if (args.startsWith('[')) return (JSON.parse(args) as string[]).join(' ');
  return args;
}

describe('Dockerfile', () => {
  const instructions = dockerInstructions(read('Dockerfile'));
  const lastFrom = instructions.map((instruction) => instruction.keyword).lastIndexOf('FROM');
  const finalStage = instructions.slice(lastFrom + 1);
  const last = (keyword: string) => finalStage.filter((instruction) => instruction.keyword === keyword).at(-1);

  it('builds offline from any base image given as NODE_IMAGE, the official one by default', () => {
    // A `# syntax=` line makes BuildKit fetch its front end from Docker Hub.
    expect(read('Dockerfile')).not.toMatch(/^#\s*syntax\s*=/m);
    const defaultImage = instructions.find((instruction) => instruction.keyword === 'ARG')?.args ?? '';
    expect(defaultImage).toMatch(/^NODE_IMAGE=node:\d+-[a-z]+-slim$/);
    const froms = instructions.filter((instruction) => instruction.keyword === 'FROM').map((i) => i.args);
    for (const from of froms) expect(from).toMatch(/^\$\{NODE_IMAGE\}\s/);
  });

  it('builds in several stages', () => {
    expect(instructions.filter((instruction) => instruction.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
  });

  it('runs the final stage as an unprivileged user', () => {
    const user = last('USER')?.args ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:.*)?$/);
  });

  it('copies what the server reads at run time into the final stage', () => {
    const copied = finalStage
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.args.split(/\s+/).at(-2) ?? '')
      .map((source) => source.replace(/^\/app\//, '').replace(/\/$/, ''));
    for (const needed of ['package.json', 'node_modules', 'dist', 'views', 'public', 'prisma']) {
      expect(copied, `COPY of ${needed}`).toContain(needed);
    }
  });

  it('gives the app’s user the folder that the attachments volume is mounted on', () => {
    const user = last('USER')?.args ?? '';
    const runs = finalStage.filter((instruction) => instruction.keyword === 'RUN').map((i) => i.args);
    const compose = read('docker-compose.yml');
    const mountPoint = /ATTACHMENTS_DIR:\s*(\S+)/.exec(compose)?.[1] ?? '';
    expect(mountPoint).toMatch(/^\//);
    expect(
      runs.some((run) => run.includes(`mkdir -p ${mountPoint}`) && run.includes(`chown ${user}:${user} ${mountPoint}`)),
    ).toBe(true);
  });

  it('has a health check on /readyz', () => {
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    expect(healthcheck).toMatch(/\/readyz\b/);
  });

  it('applies migrations before it starts the server, and only if they succeed', () => {
    const command = commandText(last('CMD')?.args ?? '');
    expect(command).toMatch(/dist\/src\/cli\/migrate\.js[^;|]*&&[^;|]*dist\/src\/server\.js/);
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  // `NAME=value`, or `# NAME=value` for an optional setting shown with its default.
  const assignment = /^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/;
  const variables = lines.flatMap((line, index) => {
    const match = assignment.exec(line.trim());
    return match ? [{ name: match[1] ?? '', value: match[2] ?? '', index }] : [];
  });
  const configSource = read('src/config.ts');
  const composeSource = read('docker-compose.yml');
  const mentions = (source: string, name: string) => new RegExp(`\\b${name}\\b`).test(source);

  it('lists only variables that src/config.ts or docker-compose.yml know', () => {
    expect(variables.length).toBeGreaterThan(0);
    const unknown = variables
      .map(({ name }) => name)
      .filter((name) => !mentions(configSource, name) && !mentions(composeSource, name));
    expect(unknown).toEqual([]);
  });

  it('documents every variable of src/config.ts', () => {
    const schema = /envSchema\s*=\s*z\.object\(\{([\s\S]*?)\n\}\)/.exec(configSource)?.[1] ?? '';
    const known = [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*:/gm)].map((match) => match[1] ?? '');
    expect(known.length, 'the variable names found in envSchema of src/config.ts').toBeGreaterThan(5);
    const listed = new Set(variables.map(({ name }) => name));
    expect(known.filter((name) => !listed.has(name))).toEqual([]);
  });

  it('sets every variable that docker-compose.yml requires', () => {
    const required = [...composeSource.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((match) => match[1] ?? '');
    expect(required).toContain('POSTGRES_PASSWORD');
    const active = new Set(
      variables.filter(({ index }) => !lines[index]?.trim().startsWith('#')).map(({ name }) => name),
    );
    expect(required.filter((name) => !active.has(name))).toEqual([]);
  });

  it('explains each variable in a comment just above it', () => {
    const undocumented = variables
      .filter(({ index }) => {
        const above = lines[index - 1]?.trim() ?? '';
        return !above.startsWith('#') || assignment.test(above);
      })
      .map(({ name }) => name);
    expect(undocumented).toEqual([]);
  });

  it('holds no secret', () => {
    const secrets = variables.filter(({ name }) => SECRET_KEY.test(name));
    expect(secrets.map(({ name }) => name)).toContain('POSTGRES_PASSWORD');
    for (const { name, value } of secrets) expect(value, name).toBe('');
  });
});
