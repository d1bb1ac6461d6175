import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { findFreePort } from '../../src/db/embedded-postgres.js';
import { type AccountEmailTemplate, createMailer, type Mailer } from '../../src/email/mailer.js';
import type { Locale } from '../../src/i18n/i18n.js';
import { projectRoot } from '../../src/paths.js';
import { linksIn, parseMessage, startTestSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const FROM = 'Ágora <no-reply@agora.test>';
const SITE = 'Ágora de Ejemplo';

function createLog() {
  return { info: vi.fn<(obj: object, msg: string) => void>(), error: vi.fn<(obj: object, msg: string) => void>() };
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A unique recipient and link per test, so no test finds another's message. */
function uniqueMessage(template: AccountEmailTemplate, locale: Locale, extra: Record<string, string> = {}) {
  const id = randomBytes(6).toString('hex');
  // Long, with a query string: soft line breaks in transit and "&" that HTML must escape.
  const link = `https://agora.test/cuenta/${template}?token=${id}_0123456789abcdef0123456789abcdef&lang=${locale}`;
  const data: Record<AccountEmailTemplate, Record<string, string>> = {
    'verify-email': { site: SITE, link, name: 'Núria Puig', hours: '24' },
    'reset-password': { site: SITE, link, name: 'Núria Puig', minutes: '30' },
    'confirm-new-email': { site: SITE, link, name: 'Núria Puig', hours: '24' },
    'partner-invitation': { site: SITE, link, days: '7' },
    'account-exists': { site: SITE, link },
  };
  return {
    to: `${template}.${locale}.${id}@agora.test`,
    toProven: true,
    locale,
    template,
    data: { ...data[template], ...extra },
  };
}

// Written out by hand, not computed with the translator, so a wrong or missing message fails.
const EXPECTED: Record<Locale, Record<AccountEmailTemplate, { subject: string; detail: string }>> = {
  es: {
    'verify-email': {
      subject: 'Confirme su dirección de correo electrónico en Ágora de Ejemplo',
      detail: 'El enlace caduca en 24 horas.',
    },
    'reset-password': {
      subject: 'Restablecimiento de su contraseña en Ágora de Ejemplo',
      detail: 'El enlace caduca en 30 minutos',
    },
    'confirm-new-email': {
      subject: 'Confirme su nueva dirección de correo electrónico en Ágora de Ejemplo',
      detail: 'El enlace caduca en 24 horas.',
    },
    'partner-invitation': {
      subject: 'Invitación a unirse a Ágora de Ejemplo',
      detail: 'La invitación caduca en 7 días.',
    },
    'account-exists': {
      subject: 'Ya tiene una cuenta en Ágora de Ejemplo',
      detail: 'Si ha sido usted y no recuerda su contraseña, puede restablecerla.',
    },
  },
  ca: {
    'verify-email': {
      subject: 'Confirmeu la vostra adreça electrònica a Ágora de Ejemplo',
      detail: "L'enllaç caduca d'aquí a 24 hores.",
    },
    'reset-password': {
      subject: 'Restabliment de la vostra contrasenya a Ágora de Ejemplo',
      detail: "L'enllaç caduca d'aquí a 30 minuts",
    },
    'confirm-new-email': {
      subject: 'Confirmeu la vostra nova adreça electrònica a Ágora de Ejemplo',
      detail: "L'enllaç caduca d'aquí a 24 hores.",
    },
    'partner-invitation': {
      subject: 'Invitació per unir-vos a Ágora de Ejemplo',
      detail: "La invitació caduca d'aquí a 7 dies.",
    },
    'account-exists': {
      subject: 'Ja teniu un compte a Ágora de Ejemplo',
      detail: 'Si heu estat vós i no recordeu la contrasenya, podeu restablir-la.',
    },
  },
  gl: {
    'verify-email': {
      subject: 'Confirme o seu enderezo de correo electrónico en Ágora de Ejemplo',
      detail: 'A ligazón caduca en 24 horas.',
    },
    'reset-password': {
      subject: 'Restablecemento do seu contrasinal en Ágora de Ejemplo',
      detail: 'A ligazón caduca en 30 minutos',
    },
    'confirm-new-email': {
      subject: 'Confirme o seu novo enderezo de correo electrónico en Ágora de Ejemplo',
      detail: 'A ligazón caduca en 24 horas.',
    },
    'partner-invitation': {
      subject: 'Invitación para unirse a Ágora de Ejemplo',
      detail: 'A invitación caduca en 7 días.',
    },
    'account-exists': {
      subject: 'Xa ten unha conta en Ágora de Ejemplo',
      detail: 'Se foi vostede e non lembra o seu contrasinal, pode restablecelo.',
    },
  },
  eu: {
    'verify-email': {
      subject: 'Berretsi zure helbide elektronikoa Ágora de Ejemplo gunean',
      detail: 'Esteka 24 orduan iraungiko da.',
    },
    'reset-password': {
      subject: 'Zure pasahitza berrezartzea Ágora de Ejemplo gunean',
      detail: 'Esteka 30 minututan iraungiko da',
    },
    'confirm-new-email': {
      subject: 'Berretsi zure helbide elektroniko berria Ágora de Ejemplo gunean',
      detail: 'Esteka 24 orduan iraungiko da.',
    },
    'partner-invitation': {
      subject: 'Ágora de Ejemplo gunera batzeko gonbidapena',
      detail: 'Gonbidapena 7 egunean iraungiko da.',
    },
    'account-exists': {
      subject: 'Baduzu kontu bat Ágora de Ejemplo gunean',
      detail: 'Zu izan bazara eta ez baduzu pasahitza gogoratzen, berrezar dezakezu.',
    },
  },
  en: {
    'verify-email': {
      subject: 'Please confirm your e-mail address on Ágora de Ejemplo',
      detail: 'The link expires in 24 hours.',
    },
    'reset-password': {
      subject: 'Resetting your password on Ágora de Ejemplo',
      detail: 'The link expires in 30 minutes',
    },
    'confirm-new-email': {
      subject: 'Please confirm your new e-mail address on Ágora de Ejemplo',
      detail: 'The link expires in 24 hours.',
    },
    'partner-invitation': {
      subject: 'Invitation to join Ágora de Ejemplo',
      detail: 'The invitation expires in 7 days.',
    },
    'account-exists': {
      subject: 'You already have an account on Ágora de Ejemplo',
      detail: 'If it was you and you do not remember your password, you can reset it.',
    },
  },
};

const GREETING: Record<Locale, { named: string; anonymous: string }> = {
  es: { named: 'Hola, Núria Puig:', anonymous: 'Hola:' },
  ca: { named: 'Hola, Núria Puig:', anonymous: 'Hola:' },
  gl: { named: 'Ola, Núria Puig:', anonymous: 'Ola:' },
  eu: { named: 'Kaixo, Núria Puig:', anonymous: 'Kaixo:' },
  en: { named: 'Hello Núria Puig,', anonymous: 'Hello,' },
};
const IGNORE: Record<Locale, string> = {
  es: 'ignore este mensaje',
  ca: 'ignoreu aquest missatge',
  gl: 'ignore esta mensaxe',
  eu: 'ez egin kasurik mezu honi',
  en: 'please ignore this message',
};

const TEMPLATES: AccountEmailTemplate[] = [
  'verify-email',
  'reset-password',
  'confirm-new-email',
  'partner-invitation',
  'account-exists',
];
const ANONYMOUS: AccountEmailTemplate[] = ['partner-invitation', 'account-exists'];
const LOCALES: Locale[] = ['es', 'ca', 'gl', 'eu', 'en'];
const CASES = LOCALES.flatMap((locale) => TEMPLATES.map((template) => ({ locale, template })));

describe('e-mail over SMTP', () => {
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  const log = createLog();

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    const config = loadConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), MAIL_FROM: FROM });
    expect(config.mail.transport.kind).toBe('smtp');
    mailer = createMailer(config.mail, log);
  });
  afterAll(async () => {
    await mailer?.close();
    await smtp?.close();
  });

  it.each(CASES)('delivers $template in $locale with subject, sender, text and HTML', async ({ locale, template }) => {
    const message = uniqueMessage(template, locale);
    const link = message.data.link ?? '';
    await mailer.send(message);
    const received = await smtp.waitForMessage((m) => m.to.includes(message.to));

    expect(received.to).toEqual([message.to]);
    expect(received.headers.to).toBe(message.to);
    expect(received.from).toBe(FROM);
    expect(received.subject).toBe(EXPECTED[locale][template].subject);
    expect(received.headers['content-language']).toBe(locale);
    expect(received.headers['auto-submitted']).toBe('auto-generated');

    // Plain text: the link exactly once, unescaped; the greeting, expiry (or help) and "not you" advice.
    expect(linksIn(received.text)).toEqual([link]);
    const greeting = ANONYMOUS.includes(template) ? GREETING[locale].anonymous : GREETING[locale].named;
    expect(received.text.startsWith(`${greeting}\n\n`)).toBe(true);
    expect(received.text).toContain(EXPECTED[locale][template].detail);
    expect(received.text).toContain(IGNORE[locale]);
    expect(received.text).toContain(SITE);
    expect(received.text).not.toMatch(/[<>]|&amp;|\{\w+\}/);

    // HTML: the link as a button and written out, escaped; the page in the message's language.
    expect(received.html).toContain(`<html lang="${locale}">`);
    expect(received.html).toContain(`<title>${escapeHtml(EXPECTED[locale][template].subject)}</title>`);
    expect(received.html.split(`href="${escapeHtml(link)}"`)).toHaveLength(3);
    expect(received.html).toContain(`>${escapeHtml(link)}</a>`);
    expect(received.html).toContain(escapeHtml(EXPECTED[locale][template].detail));
    expect(received.html).not.toMatch(/\{\w+\}/);
  });

  it('escapes data in HTML and keeps it intact in plain text', async () => {
    const name = '<script>alert("x")</script> & Co';
    const message = uniqueMessage('verify-email', 'es', { name });
    await mailer.send(message);
    const received = await smtp.waitForMessage((m) => m.to.includes(message.to));

    expect(received.html).not.toContain('<script');
    expect(received.html).toContain('Hola, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co:');
    expect(received.text).toContain(`Hola, ${name}:`);
  });

  it('greets by name in an invitation when the name is known', async () => {
    const message = uniqueMessage('partner-invitation', 'ca', { name: 'Núria Puig' });
    await mailer.send(message);
    const received = await smtp.waitForMessage((m) => m.to.includes(message.to));
    expect(received.text.startsWith('Hola, Núria Puig:\n\n')).toBe(true);
  });

  // Issue 9: a display name such as this one must never reach an address its owner has not proven.
  it.each(CASES)(
    'mails $template in $locale to an unproven address without the name it was given',
    async ({ locale, template }) => {
      const name = 'URGENT: renew at https://renew-now.example/login';
      const message = { ...uniqueMessage(template, locale, { name }), toProven: false };
      await mailer.send(message);
      const received = await smtp.waitForMessage((m) => m.to.includes(message.to));
      for (const part of [received.subject, received.text, received.html]) {
        expect(part).not.toContain('URGENT');
        expect(part).not.toContain('renew-now.example');
      }
      expect(received.text.startsWith(`${GREETING[locale].anonymous}\n\n`)).toBe(true);
      // The same message to a proven address greets its owner by name.
      const proven = uniqueMessage(template, locale, { name: 'Núria Puig' });
      await mailer.send(proven);
      const greeted = await smtp.waitForMessage((m) => m.to.includes(proven.to));
      expect(greeted.text.startsWith(`${GREETING[locale].named}\n\n`)).toBe(true);
    },
  );

  it('names the site "Ágora" when the caller does not give its name', async () => {
    const { site: _, ...withoutSite } = uniqueMessage('account-exists', 'es').data;
    const message = { ...uniqueMessage('account-exists', 'es'), data: withoutSite };
    await mailer.send(message);
    const received = await smtp.waitForMessage((m) => m.to.includes(message.to));
    expect(received.subject).toBe('Ya tiene una cuenta en Ágora');
    expect(received.text).toContain('Atentamente,\nÁgora\n');
  });

  it('logs each delivery without its link', async () => {
    const message = uniqueMessage('reset-password', 'en');
    await mailer.send(message);
    await smtp.waitForMessage((m) => m.to.includes(message.to));
    const entry = log.info.mock.calls.find(([obj]) => (obj as { to?: string }).to === message.to);
    expect(entry?.[1]).toBe('e-mail sent');
    expect(JSON.stringify(entry?.[0])).not.toContain(message.data.link);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('refuses a message that would mail more than one address, a missing value or a non-web link', async () => {
    const twoRecipients = { ...uniqueMessage('verify-email', 'es'), to: 'a@agora.test, b@agora.test' };
    await expect(mailer.send(twoRecipients)).rejects.toThrow(/single e-mail address/);

    const { minutes: _, ...withoutMinutes } = uniqueMessage('reset-password', 'es').data;
    const missing = { ...uniqueMessage('reset-password', 'es'), data: withoutMinutes };
    await expect(mailer.send(missing)).rejects.toThrow(/missing data: minutes/);

    const script = uniqueMessage('verify-email', 'es', { link: 'javascript:alert(1)' });
    await expect(mailer.send(script)).rejects.toThrow(/http\(s\) link/);
  });
});

describe('e-mail to the outbox', () => {
  const root = path.join(projectRoot, '.data', `email-outbox-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes an .eml file with the message and logs its link', async () => {
    // A folder that does not exist yet, two levels deep.
    const dir = path.join(root, 'outbox');
    const config = loadConfig({ MAIL_OUTBOX_DIR: path.relative(projectRoot, dir), MAIL_FROM: FROM });
    expect(config.mail.transport).toEqual({ kind: 'outbox', dir });
    const log = createLog();
    const mailer = createMailer(config.mail, log);
    const message = uniqueMessage('reset-password', 'ca');
    const link = message.data.link ?? '';

    await mailer.send(message);
    await mailer.close();

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const [file = ''] = files;
    expect(file).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-reset-password-[0-9a-f]{8}\.eml$/);

    const eml = parseMessage(await readFile(path.join(dir, file), 'utf8'));
    expect(eml.headers.to).toBe(message.to);
    expect(eml.from).toBe(FROM);
    expect(eml.subject).toBe(EXPECTED.ca['reset-password'].subject);
    expect(linksIn(eml.text)).toEqual([link]);
    expect(eml.html).toContain(`href="${escapeHtml(link)}"`);

    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.info).toHaveBeenCalledWith(
      { to: message.to, template: 'reset-password', links: [link], file: path.join(dir, file) },
      'e-mail written to the outbox',
    );
    expect(log.error).not.toHaveBeenCalled();
  });
});

describe('e-mail when the SMTP server fails', () => {
  it('rejects when nothing listens on the port', async () => {
    const port = await findFreePort();
    const log = createLog();
    const mailer = createMailer(loadConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) }).mail, log);
    const message = uniqueMessage('verify-email', 'es');
    try {
      await expect(mailer.send(message)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await mailer.close();
    }
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ to: message.to, template: 'verify-email' }),
      'e-mail could not be sent',
    );
    expect(log.info).not.toHaveBeenCalled();
  });

  it('gives up on a server that accepts the connection but never greets, instead of hanging', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const mailer = createMailer(loadConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) }).mail, createLog());
    const started = Date.now();
    try {
      await expect(mailer.send(uniqueMessage('verify-email', 'en'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(sockets.size).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
