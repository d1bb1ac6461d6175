import { describe, expect, it } from 'vitest';
import { type ConfidentialityMarker, detectConfidentialityMarkers } from '../../src/policy/confidentiality.js';

/** The markers in a text as [marker, the text they cover]. */
function found(text: string): [ConfidentialityMarker, string][] {
  return detectConfidentialityMarkers(text).map((match) => [match.marker, text.slice(match.start, match.end)]);
}

// Each with the one marker it holds, as written.
const POSITIVES: [lang: 'es' | 'ca' | 'en', text: string, marker: ConfidentialityMarker, written: string][] = [
  ['es', 'CONFIDENCIAL: propuesta de RPT para 2025', 'confidential', 'CONFIDENCIAL'],
  ['es', 'Os adjunto los datos confidenciales del tribunal.', 'confidential', 'confidenciales'],
  ['es', 'Documento de Uso Interno, no lo reenviéis.', 'internal-use', 'Uso Interno'],
  ['es', 'Solo para uso interno del servicio.', 'internal-use', 'uso interno'],
  ['es', 'BORRADOR del reglamento de teletrabajo', 'draft', 'BORRADOR'],
  ['es', 'Os paso el borrador, ¿comentarios?', 'draft', 'borrador'],
  ['es', 'NO DIFUNDIR hasta la firma del convenio.', 'do-not-distribute', 'NO DIFUNDIR'],
  ['es', 'Información reservada: relación de aspirantes.', 'restricted', 'reservada'],
  ['es', 'Expediente de carácter RESERVADO.', 'restricted', 'RESERVADO'],
  ['es', 'Actas reservadas de la comisión', 'restricted', 'reservadas'],
  ['ca', 'Document confidencial, no el reenvieu.', 'confidential', 'confidencial'],
  ['ca', 'Dades confidencials del procés selectiu', 'confidential', 'confidencials'],
  ['ca', "Document d'ús intern de l'àrea.", 'internal-use', 'ús intern'],
  ['ca', 'ÚS INTERN — pressupost 2025', 'internal-use', 'ÚS INTERN'],
  ['ca', 'Us passo l’esborrany de les bases.', 'draft', 'esborrany'],
  ['ca', 'No difondre fins que ho aprovi el ple.', 'do-not-distribute', 'No difondre'],
  ['ca', 'Informe reservat de la intervenció.', 'restricted', 'reservat'],
  ['ca', 'Actes reservades de la junta', 'restricted', 'reservades'],
  ['en', 'CONFIDENTIAL — salary review', 'confidential', 'CONFIDENTIAL'],
  ['en', 'For internal use only.', 'internal-use', 'internal use only'],
  ['en', 'Draft v3 of the telework policy', 'draft', 'Draft'],
  ['en', 'Do not distribute outside the team.', 'do-not-distribute', 'Do not distribute'],
  ['en', 'Not for distribution.', 'do-not-distribute', 'Not for distribution'],
  ['en', "Please don't distribute this yet.", 'do-not-distribute', "don't distribute"],
  ['en', 'RESTRICTED: board minutes', 'restricted', 'RESTRICTED'],
];

const NEGATIVES: [lang: 'es' | 'ca' | 'en', text: string][] = [
  ['es', 'La confidencialidad de los datos está garantizada.'],
  ['es', 'Lo comentaremos confidencialmente en la reunión.'],
  ['es', 'Se lo dije reservadamente.'],
  ['es', 'He reservado la sala de juntas para el jueves.'],
  ['es', 'La sala ya está reservada, gracias.'],
  ['es', 'Todos los derechos reservados.'],
  ['es', 'Los borradores de las bases se publicarán en el BOP.'],
  ['es', 'Hay que difundir la convocatoria en todos los canales.'],
  ['es', 'El uso de la intranet es libre.'],
  ['es', 'Borradora de pizarra perdida en la sala 3.'],
  ['ca', 'La confidencialitat de les dades és clau.'],
  ['ca', "Cal difondre l'enquesta entre el personal."],
  ['ca', 'Hem reservat la sala per dimarts.'],
  ['ca', 'Tots els drets reservats.'],
  ['ca', 'Els esborranys estan a la carpeta compartida.'],
  ['ca', "L'ús de la intranet és obert."],
  ['en', 'Confidentiality agreements are handled by Legal.'],
  ['en', 'We have restricted the room to ten people.'],
  ['en', 'The drafts are in the shared folder.'],
  ['en', 'Please distribute the survey widely.'],
  ['en', 'Unrestricted access for all staff.'],
  ['en', 'She drafted the memo yesterday.'],
  ['en', 'The internals of the system are documented.'],
];

describe('detectConfidentialityMarkers', () => {
  it('finds nothing in ordinary text', () => {
    expect(detectConfidentialityMarkers('')).toEqual([]);
    expect(detectConfidentialityMarkers('Reunión el jueves a las 10 en la sala 2.')).toEqual([]);
  });

  it('returns the marker kind and UTF-16 offsets, sorted and without overlaps', () => {
    const text = '📎 BORRADOR — uso interno, no difundir';
    expect(detectConfidentialityMarkers(text)).toEqual([
      { marker: 'draft', start: 3, end: 11 },
      { marker: 'internal-use', start: 14, end: 25 },
      { marker: 'do-not-distribute', start: 27, end: 38 },
    ]);
  });

  it('ignores case and accents, decomposed accents included', () => {
    expect(found('Us Intern')).toEqual([['internal-use', 'Us Intern']]);
    expect(found('u\u0301s intern')).toEqual([['internal-use', 'u\u0301s intern']]);
    expect(found('CONFIDENCIÁL')).toEqual([['confidential', 'CONFIDENCIÁL']]);
    expect(found('do  not\ndistribute')).toEqual([['do-not-distribute', 'do  not\ndistribute']]);
  });

  it('matches whole words only', () => {
    expect(found('reservadamente')).toEqual([]);
    expect(found('borradores')).toEqual([]);
    expect(found('preborrador')).toEqual([]);
    expect(found('#confidencial')).toEqual([['confidential', 'confidencial']]);
    expect(found('(borrador)')).toEqual([['draft', 'borrador']]);
  });

  it.each(POSITIVES)('[%s] finds the marker in "%s"', (_lang, text, marker, written) => {
    expect(found(text)).toEqual([[marker, written]]);
  });

  it.each(NEGATIVES)('[%s] finds none in "%s"', (_lang, text) => {
    expect(found(text)).toEqual([]);
  });

  it('has at least 20 positives and 20 negatives across es, ca and en', () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(20);
    expect(NEGATIVES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(POSITIVES.map(([lang]) => lang))).toEqual(new Set(['es', 'ca', 'en']));
    expect(new Set(NEGATIVES.map(([lang]) => lang))).toEqual(new Set(['es', 'ca', 'en']));
  });
});
