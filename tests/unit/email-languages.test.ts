import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/email/mailer.js';

// The notification and digest e-mails in Galician and Basque: every word of the site's from the catalog
// (account e-mails go over SMTP in tests/integration/email.test.ts, in all five languages).

const links = {
  link: 'https://agora.test/notifications',
  preferencesLink: 'https://agora.test/account/notifications',
  unsubscribeLink: 'https://agora.test/unsubscribe/abc',
};

describe.each([
  ['gl', 'O seu resumo de Ágora (2026-11-30)', 'Isto é o que pasou en Ágora', 'Notificacións sen ler', 'Ver en Ágora'],
  [
    'eu',
    'Zure Ágora laburpena (2026-11-30)',
    'Hau da Ágora gunean gertatu dena',
    'Irakurri gabeko jakinarazpenak',
    'Ikusi Ágora gunean',
  ],
] as const)('e-mails in %s', (locale, digestSubject, digestIntro, unreadTitle, viewOn) => {
  it('renders the digest from its catalog, with no placeholder left', () => {
    const mail = renderEmail({
      to: 'ana@concello.example',
      toProven: true,
      locale,
      template: 'digest',
      data: { ...links, period: '2026-11-30', name: 'Ana' },
      lists: { unread: [{ text: 'Unha mención', link: 'https://agora.test/n/1' }] },
    });
    expect(mail.subject).toBe(digestSubject);
    expect(mail.text).toContain(digestIntro);
    expect(mail.text).toContain(unreadTitle);
    expect(mail.html).toContain(`<html lang="${locale}">`);
    expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/\{\w+\}/);
  });

  it('renders a notification from its catalog, with no placeholder left', () => {
    const mail = renderEmail({
      to: 'ana@concello.example',
      toProven: true,
      locale,
      template: 'notification',
      data: { ...links, summary: 'Resumo', reason: 'Motivo', name: 'Ana' },
    });
    expect(mail.subject).toBe('Resumo');
    expect(mail.text).toContain(viewOn);
    expect(mail.html).toContain(`<html lang="${locale}">`);
    expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/\{\w+\}/);
  });
});
