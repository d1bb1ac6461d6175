import { describe, expect, it } from 'vitest';
import {
  CORPUS,
  DEFAULT_TRAINING,
  detectLanguage,
  extractFeatures,
  featureHash,
  HELDOUT_CORPUS,
  type LabelledExample,
  MAX_CUES,
  normalizeText,
  suggestTag,
  TRAINING_CORPUS,
  tokenize,
  trainClassifier,
  wordFeatureHashes,
  wordFeatures,
} from '../../src/policy/classifier.js';
import { POST_TAGS, type PostTag } from '../../src/policy/tags.js';

describe('normalisation', () => {
  it('lower-cases, folds accents and joins the Catalan l·l', () => {
    expect(normalizeText('Información SOL·LICITUD Añadir')).toBe('informacion sollicitud anadir');
  });

  it("drops its language's function words and bare numbers but keeps person markers", () => {
    expect(tokenize('El plazo de la Ley 39/2015 y mi experiencia')).toEqual(['plazo', 'ley', 'mi', 'experiencia']);
    expect(tokenize("L'Ajuntament d'Olot informa")).toEqual(['ajuntament', 'olot', 'informa']);
    expect(tokenize('I passed the exam with my team')).toEqual(['i', 'passed', 'exam', 'my', 'team']);
    expect(tokenize('Avui i demà estic de vacances')).toEqual(['avui', 'dema', 'estic', 'vacances']);
  });

  it("a word's features are itself and its character 3- to 5-grams with the word's ends marked", () => {
    expect(wordFeatures('pleno')).toEqual(
      [
        'w:pleno',
        'c: pl',
        'c:ple',
        'c:len',
        'c:eno',
        'c:no ',
        'c: ple',
        'c:plen',
        'c:leno',
        'c:eno ',
        'c: plen',
        'c:pleno',
        'c:leno ',
      ].sort(),
    );
    expect(extractFeatures('Pleno, pleno')).toEqual(wordFeatures('pleno'));
  });

  it('identifies features by the hash of their text, computed without building it', () => {
    for (const word of ['pleno', 'a', 'contratacion', 'anana', 'sollicitud']) {
      expect(new Set(wordFeatureHashes(word))).toEqual(new Set(wordFeatures(word).map(featureHash)));
    }
  });
});

describe('detectLanguage', () => {
  it.each([
    ['¿Cómo gestionáis las notificaciones en vuestro ayuntamiento?', 'es'],
    ['Hoy me jubilo y quería daros las gracias a todos.', 'es'],
    ['Com gestioneu les notificacions al vostre ajuntament? Algú ho sap?', 'ca'],
    ['Avui és el meu últim dia i us vull donar les gràcies.', 'ca'],
    ['How do you handle notifications in your council?', 'en'],
    ["Today is my last day and I'd like to thank you all.", 'en'],
  ] as const)('%s → %s', (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it('falls back to Spanish when there is nothing to go on', () => {
    expect(detectLanguage('')).toBe('es');
    expect(detectLanguage('2025')).toBe('es');
  });

  it('recognises the language of at least 95% of the corpus', () => {
    const right = CORPUS.filter((example) => detectLanguage(example.text) === example.lang).length;
    expect(right / CORPUS.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe('suggestTag on examples a person would agree with', () => {
  it.each<[string, PostTag]>([
    // es
    ['Estoy muy contenta, hoy me han dado la plaza definitiva después de años de interinidad.', 'PERSONAL'],
    ['Gracias a todos por vuestro cariño estos días, me habéis ayudado mucho.', 'PERSONAL'],
    ['¿Cómo tramitáis las bajas de oficio del padrón municipal? Tenemos muchos expedientes atascados.', 'PROFESSIONAL'],
    ['Comparto el procedimiento que seguimos para la firma electrónica de los decretos.', 'PROFESSIONAL'],
    [
      'El Ayuntamiento de Getafe informa: se abre el plazo de inscripción para los cursos de formación.',
      'ORGANIZATIONAL',
    ],
    [
      'La Diputación convoca las ayudas para la transformación digital. Plazo de presentación: un mes.',
      'ORGANIZATIONAL',
    ],
    // The announcement issue 13 found suggested as personal.
    ['El Consistorio ha aprobado en el pleno de hoy el presupuesto', 'ORGANIZATIONAL'],
    ['El Consistorio ha aprobado en el pleno de hoy el presupuesto municipal para el año próximo.', 'ORGANIZATIONAL'],
    // ca
    ['Avui és el meu aniversari i ho celebro amb vosaltres amb un esmorzar a la cafeteria.', 'PERSONAL'],
    ["Algú sap com es tramita una llicència d'obres en sòl no urbanitzable?", 'PROFESSIONAL'],
    ["La Diputació de Barcelona informa que s'obre el termini de sol·licitud dels ajuts.", 'ORGANIZATIONAL'],
    // en
    ['I just got back from paternity leave and I missed you all.', 'PERSONAL'],
    ['How do you handle data protection requests for access to case files?', 'PROFESSIONAL'],
    [
      'The Council announces the call for applications for the new training programme; the deadline is 30 May.',
      'ORGANIZATIONAL',
    ],
  ])('%s → %s', (text, tag) => {
    expect(suggestTag(text).tag).toBe(tag);
  });
});

describe('suggestTag explains itself', () => {
  it('names the cues that pushed toward the suggestion, strongest first', () => {
    const suggestion = suggestTag('El Ayuntamiento informa de que se convoca el proceso selectivo. Plazo: diez días.');
    expect(suggestion.tag).toBe('ORGANIZATIONAL');
    expect(suggestion.confidence).toBeGreaterThan(0.9);
    expect(suggestion.cues.length).toBeGreaterThan(0);
    expect(suggestion.cues.length).toBeLessThanOrEqual(MAX_CUES);
    expect(suggestion.cues.map((c) => c.cue)).toContain('informa');
    for (const cue of suggestion.cues) {
      expect(cue.tag).toBe('ORGANIZATIONAL');
      expect(cue.weight).toBeGreaterThan(0);
    }
    const weights = suggestion.cues.map((c) => c.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  });

  it('shows personal cues for a personal post', () => {
    const cues = suggestTag('Me jubilo mañana y estoy muy emocionada').cues.map((c) => c.cue);
    expect(cues).toContain('me');
  });

  it('suggests PROFESSIONAL with no confidence and no cues when nothing is known', () => {
    for (const text of ['', '   ', '12345', 'zxqv']) {
      expect(suggestTag(text)).toEqual({ tag: 'PROFESSIONAL', confidence: 0.333, cues: [] });
    }
  });

  it('is not sure of a text of a few words it barely knows', () => {
    expect(suggestTag('zxqv wprt').confidence).toBeLessThan(0.5);
  });

  it('keeps confidence within 0..1', () => {
    for (const example of CORPUS.slice(0, 40)) {
      const { confidence } = suggestTag(example.text);
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
    }
  });

  // The cues are what drove the score: take them out of the text and the suggested tag loses ground.
  it.each([
    'El Consistorio ha aprobado en el pleno de hoy el presupuesto',
    'Comparto el procedimiento que seguimos para la firma electrónica de los decretos.',
    'Me jubilo mañana y estoy muy emocionada, gracias a todos',
    "L'Ajuntament informa que dilluns el Registre romandrà tancat.",
    'Has anyone moved their payroll to the new system? Which supplier did you use?',
  ])('removing the cues of «%s» lowers the probability of its tag', (text) => {
    const classifier = trainClassifier(TRAINING_CORPUS);
    const suggestion = classifier.suggest(text);
    const tagIndex = POST_TAGS.indexOf(suggestion.tag);
    const before = classifier.probabilities(text)[tagIndex] ?? 0;
    const cueWords = new Set(suggestion.cues.map((c) => c.cue));
    const words = text.split(/\s+/);
    const without = words.filter((word) => !tokenize(word, detectLanguage(text)).some((t) => cueWords.has(t)));
    expect(without.length).toBeLessThan(words.length);
    const after = classifier.probabilities(without.join(' '))[tagIndex] ?? 0;
    expect(after).toBeLessThan(before);
    // The strongest cue alone matters more than the weakest one alone.
    const strongest = suggestion.cues[0]?.cue ?? '';
    const weakest = suggestion.cues[suggestion.cues.length - 1]?.cue ?? '';
    const dropping = (cue: string) =>
      classifier.probabilities(words.filter((word) => !tokenize(word, detectLanguage(text)).includes(cue)).join(' '))[
        tagIndex
      ] ?? 0;
    expect(dropping(strongest)).toBeLessThanOrEqual(dropping(weakest));
  });
});

describe('training', () => {
  it('is deterministic, whatever the order of the training examples', () => {
    const text = 'Comparto la plantilla del informe técnico para licencias de obra menor.';
    expect(suggestTag(text)).toEqual(suggestTag(text));
    const again = trainClassifier(TRAINING_CORPUS);
    const reversed = trainClassifier([...TRAINING_CORPUS].reverse());
    for (const example of CORPUS.slice(0, 60)) {
      expect(again.suggest(example.text)).toEqual(suggestTag(example.text));
      expect(reversed.probabilities(example.text)).toEqual(again.probabilities(example.text));
    }
  });

  it('learns from the training split only', () => {
    const withHeldout = trainClassifier(CORPUS);
    const trainOnly = trainClassifier(TRAINING_CORPUS);
    expect(trainOnly.vocabularySize).toBeLessThan(withHeldout.vocabularySize);
    const text = HELDOUT_CORPUS[0]?.text ?? '';
    expect(suggestTag(text)).toEqual(trainOnly.suggest(text));
  });

  it('fits its own training split', () => {
    const classifier = trainClassifier(TRAINING_CORPUS);
    const right = TRAINING_CORPUS.filter((e) => classifier.suggest(e.text).tag === e.tag).length;
    expect(right / TRAINING_CORPUS.length).toBeGreaterThanOrEqual(0.97);
  });

  it('takes its settings from DEFAULT_TRAINING unless told otherwise', () => {
    const examples: LabelledExample[] = [
      { text: 'me jubilo', lang: 'es', tag: 'PERSONAL' },
      { text: 'comparto procedimiento', lang: 'es', tag: 'PROFESSIONAL' },
      { text: 'ayuntamiento informa', lang: 'es', tag: 'ORGANIZATIONAL' },
    ];
    const hot = trainClassifier(examples, { temperature: DEFAULT_TRAINING.temperature * 2 });
    const usual = trainClassifier(examples);
    const [p] = usual.probabilities('ayuntamiento informa').slice(2);
    const [q] = hot.probabilities('ayuntamiento informa').slice(2);
    expect(p).toBeGreaterThan(q ?? 1);
  });
});

describe('the corpus', () => {
  it('has at least 600 examples, at least 67 of each tag in each language', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(600);
    for (const tag of POST_TAGS) {
      for (const lang of ['es', 'ca', 'en'] as const) {
        expect(CORPUS.filter((e) => e.tag === tag && e.lang === lang).length).toBeGreaterThanOrEqual(67);
      }
    }
  });

  it('holds out at least a fifth of each tag × language, stratified', () => {
    expect(HELDOUT_CORPUS.length / CORPUS.length).toBeGreaterThanOrEqual(0.2);
    for (const tag of POST_TAGS) {
      for (const lang of ['es', 'ca', 'en'] as const) {
        const cell = CORPUS.filter((e) => e.tag === tag && e.lang === lang);
        const held = cell.filter((e) => e.split === 'heldout').length;
        expect(held / cell.length).toBeGreaterThanOrEqual(0.2);
        expect(held / cell.length).toBeLessThanOrEqual(0.35);
      }
    }
    expect(TRAINING_CORPUS.length + HELDOUT_CORPUS.length).toBe(CORPUS.length);
  });

  it('has no duplicate texts', () => {
    expect(new Set(CORPUS.map((example) => normalizeText(example.text).trim())).size).toBe(CORPUS.length);
  });
});
