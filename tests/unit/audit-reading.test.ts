import { describe, expect, it } from 'vitest';
import { actionName, idsInDetails, readableDetails, readableTarget } from '../../src/admin/audit-reading.js';
import { createTranslator } from '../../src/i18n/i18n.js';

const t = createTranslator('es');
const ana = '0b6f2c1e-3f4a-4b5c-8d9e-0123456789ab';
const gone = 'ffffffff-3f4a-4b5c-8d9e-0123456789ab';
const names = new Map([[ana, { label: 'Ana García (@ana)', href: `/admin/users/${ana}` }]]);

describe('the audit log in words', () => {
  it('names known actions and keeps the code of unknown ones', () => {
    expect(actionName(t, 'community.member_ban')).toBe('Expulsión de una comunidad');
    expect(actionName(t, 'something.new')).toBe('something.new');
  });

  it('finds every id in details, at any depth', () => {
    expect([...idsInDetails({ userId: ana, nested: { list: [gone, 'no'] } })].sort()).toEqual([ana, gone].sort());
  });

  it('labels details and names their values', () => {
    expect(
      readableDetails(
        t,
        {
          userId: ana,
          method: 'sso',
          asModerator: false,
          publicFields: ['bio', 'avatar'],
          postsWaiting: 3,
          other: gone,
        },
        names,
      ),
    ).toEqual([
      { label: 'Persona', value: 'Ana García (@ana)', href: `/admin/users/${ana}` },
      { label: 'Método', value: 'Inicio de sesión único', href: null },
      { label: 'Como moderación', value: 'No', href: null },
      { label: 'Campos públicos', value: 'Presentación, Foto', href: null },
      { label: 'Publicaciones pendientes', value: '3', href: null },
      { label: 'other', value: '#ffffffff', href: null },
    ]);
    expect(readableDetails(t, { changed: { before: 'a', after: 'b' } }, names)).toEqual([
      { label: 'Cambios', value: 'Antes: a; Después: b', href: null },
    ]);
    expect(readableDetails(t, null, names)).toEqual([]);
    // Codes are named as the pages that choose them name them: an audience, a visibility, a setting.
    expect(readableDetails(t, { audience: 'INTERNAL', visibility: 'PUBLIC', changed: ['siteName'] }, names)).toEqual([
      { label: 'Alcance', value: 'Interna', href: null },
      { label: 'Visibilidad', value: 'Pública', href: null },
      { label: 'Cambios', value: 'Nombre del sitio', href: null },
    ]);
  });

  it('names a target, or gives its kind and a short id when nothing names it any more', () => {
    expect(readableTarget(t, { type: 'user', id: ana }, names)).toEqual(names.get(ana));
    expect(readableTarget(t, { type: 'user', id: gone }, names)).toEqual({ label: 'Cuenta #ffffffff', href: null });
    expect(readableTarget(t, null, names)).toBeNull();
  });
});
