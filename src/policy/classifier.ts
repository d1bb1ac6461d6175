// An explainable suggestion of a post's tag: a multinomial naive Bayes over normalised unigrams and
// bigrams, trained at module load from the labelled corpus kept beside it (corpus.json). Naive Bayes
// because every feature's contribution is an additive log-ratio the badge can show as "why", and it
// learns well from a couple of hundred short examples in three languages. Deterministic: no randomness,
// ties broken by POST_TAGS order and by feature text.
import corpusJson from './corpus.json' with { type: 'json' };
import { isPostTag, POST_TAGS, type PostTag } from './tags.js';

export type Language = 'es' | 'ca' | 'en';

export interface LabelledExample {
  readonly text: string;
  readonly lang: Language;
  readonly tag: PostTag;
}

export interface Cue {
  /** The normalised word or two-word phrase, e.g. "ayuntamiento informa". */
  readonly cue: string;
  /** The tag it pushed toward. */
  readonly tag: PostTag;
  /** How much it pushed: log P(cue | tag) − max over the other tags, in nats (> 0). */
  readonly weight: number;
}

export interface Suggestion {
  readonly tag: PostTag;
  /** The model's posterior probability of that tag, 0..1; 1/3 when the text has no known features. */
  readonly confidence: number;
  /** The strongest features toward the suggested tag, strongest first (at most MAX_CUES). */
  readonly cues: Cue[];
}

export const MAX_CUES = 5;

// ─── Normalisation ──────────────────────────────────────────────────────────────────────────────────

// Function words that say nothing about capacity, per language (Catalan "i" is "and", English "I"
// is a person marker). Person markers (yo, me, mi, nuestro, I, my, we, em, meu…) are deliberately
// kept: they are among the best cues.
const STOP_WORDS: Record<Language, ReadonlySet<string>> = {
  es: new Set(
    'a al ante con de del desde e el en entre hacia hasta la las lo los o para por segun sin sobre tras u un una unas unos y que'.split(
      ' ',
    ),
  ),
  ca: new Set('a al als amb d de del dels el els en i l la les n per pel pels s un una uns unes que o'.split(' ')),
  en: new Set('a an and at by for from in into of on or the to with as that it its be'.split(' ')),
};

/** Lower-case, accents folded (ñ → n, ç → c), Catalan l·l joined, apostrophes split ("l'ajuntament"). */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/l[·.•]l/g, 'll')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
}

/** The word tokens of a text, normalised, its language's stop words removed, in order. */
export function tokenize(text: string, lang: Language = detectLanguage(text)): string[] {
  const words = normalizeText(text).match(/[a-z0-9]+/g) ?? [];
  const stopWords = STOP_WORDS[lang];
  return words.filter((word) => !stopWords.has(word) && !/^\d+$/.test(word));
}

/** Distinct features of a text: its tokens and its adjacent-token bigrams. */
export function extractFeatures(text: string, lang: Language = detectLanguage(text)): string[] {
  const tokens = tokenize(text, lang);
  const features = new Set<string>(tokens);
  for (let i = 0; i + 1 < tokens.length; i++) features.add(`${tokens[i]} ${tokens[i + 1]}`);
  return [...features];
}

// ─── Language ───────────────────────────────────────────────────────────────────────────────────────

// Frequent words that one language uses and the other two rarely do (on the folded text).
const LANGUAGE_WORDS: Record<Language, ReadonlySet<string>> = {
  es: new Set(
    'los del con para por muy tambien esta estoy estamos hemos lo como cuando nuestro nuestra nuestros yo sus ayuntamiento gracias hoy donde alguien hay usted vosotros os y las unos algun'.split(
      ' ',
    ),
  ),
  ca: new Set(
    'els amb per molt tambe aquest aquesta aquests aquestes estic estem hem nostre nostra nostres meu meva jo seu seva ajuntament gracies avui algu hi vosaltres perque doncs dels pel fer tinc com quan us ens tots totes aixo ara vaig i les uns'.split(
      ' ',
    ),
  ),
  en: new Set(
    'the and of to is are for with we our this that you my i it be have has will at from your anyone how what which thanks today on'.split(
      ' ',
    ),
  ),
};

const LANGUAGES = ['es', 'ca', 'en'] as const;

/** The likely language of a text, by characteristic words and letters; Spanish when in doubt. */
export function detectLanguage(text: string): Language {
  const lower = text.toLowerCase();
  const scores: Record<Language, number> = { es: 0, ca: 0, en: 0 };
  for (const word of normalizeText(text).match(/[a-z]+/g) ?? []) {
    for (const lang of LANGUAGES) if (LANGUAGE_WORDS[lang].has(word)) scores[lang] += 1;
  }
  // Letters and spellings only one of them has.
  scores.es += 2 * (lower.match(/[ñ¿¡á]|ción\b/g)?.length ?? 0);
  scores.ca += 2 * (lower.match(/l·l|[àèòçï]|\b[ldsnm]['’]\p{L}|ció\b|\bés\b/gu)?.length ?? 0);
  scores.en += 2 * (lower.match(/\w(?:'s|n't|'m|'ll)\b|tion\b/g)?.length ?? 0);
  let best: Language = 'es';
  for (const lang of LANGUAGES) if (scores[lang] > scores[best]) best = lang;
  return best;
}

// ─── Model ──────────────────────────────────────────────────────────────────────────────────────────

export interface Classifier {
  suggest(text: string): Suggestion;
  /** The number of distinct features the model knows. */
  readonly vocabularySize: number;
}

/** Laplace smoothing; 1 is the textbook value and did best in cross-validation among 0.1, 0.5, 1. */
const ALPHA = 1;

/**
 * Trains a multinomial naive Bayes with binary feature counts (each feature at most once per
 * example, which suits short posts) and uniform priors: the corpus's mix of tags is not the mix of
 * posts, and the author decides anyway.
 */
export function trainClassifier(examples: readonly LabelledExample[]): Classifier {
  const counts = new Map<PostTag, Map<string, number>>(POST_TAGS.map((tag) => [tag, new Map()]));
  const totals = new Map<PostTag, number>(POST_TAGS.map((tag) => [tag, 0]));
  const vocabulary = new Set<string>();
  for (const example of examples) {
    const tagCounts = counts.get(example.tag);
    if (!tagCounts) continue;
    for (const feature of extractFeatures(example.text)) {
      vocabulary.add(feature);
      tagCounts.set(feature, (tagCounts.get(feature) ?? 0) + 1);
      totals.set(example.tag, (totals.get(example.tag) ?? 0) + 1);
    }
  }
  const v = vocabulary.size;
  const logLikelihood = (tag: PostTag, feature: string): number =>
    Math.log(((counts.get(tag)?.get(feature) ?? 0) + ALPHA) / ((totals.get(tag) ?? 0) + ALPHA * v));

  function suggest(text: string): Suggestion {
    // Features the model has never seen carry no evidence; they are left out rather than smoothed in.
    const features = extractFeatures(text)
      .filter((feature) => vocabulary.has(feature))
      .sort();
    const scores = POST_TAGS.map((tag) => features.reduce((sum, f) => sum + logLikelihood(tag, f), 0));
    // With no evidence at all, PROFESSIONAL: what most posts on a network for public employees are.
    let bestIndex = features.length === 0 ? POST_TAGS.indexOf('PROFESSIONAL') : 0;
    for (let i = 0; i < scores.length; i++)
      if ((scores[i] ?? -Infinity) > (scores[bestIndex] ?? -Infinity)) bestIndex = i;
    const tag = POST_TAGS[bestIndex] ?? 'PROFESSIONAL';
    const best = scores[bestIndex] ?? 0;
    const denominator = scores.reduce((sum, score) => sum + Math.exp(score - best), 0);
    const confidence = features.length === 0 ? 1 / POST_TAGS.length : 1 / denominator;

    const cues: Cue[] = [];
    for (const feature of features) {
      const own = logLikelihood(tag, feature);
      const rival = Math.max(...POST_TAGS.filter((t) => t !== tag).map((t) => logLikelihood(t, feature)));
      const weight = own - rival;
      if (weight > 0) cues.push({ cue: feature, tag, weight: round(weight) });
    }
    cues.sort((a, b) => b.weight - a.weight || (a.cue < b.cue ? -1 : a.cue > b.cue ? 1 : 0));
    return { tag, confidence: round(confidence), cues: cues.slice(0, MAX_CUES) };
  }

  return { suggest, vocabularySize: v };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// ─── The corpus and the default model ───────────────────────────────────────────────────────────────

function parseCorpus(raw: unknown): LabelledExample[] {
  if (!Array.isArray(raw)) throw new Error('policy corpus: expected an array');
  return raw.map((entry: unknown, index) => {
    const e = entry as Partial<Record<keyof LabelledExample, unknown>>;
    if (typeof e.text !== 'string' || !isPostTag(e.tag) || (e.lang !== 'es' && e.lang !== 'ca' && e.lang !== 'en')) {
      throw new Error(`policy corpus: bad entry at ${index}`);
    }
    return { text: e.text, lang: e.lang, tag: e.tag };
  });
}

/** The labelled examples the default classifier learns from (src/policy/corpus.json). */
export const CORPUS: readonly LabelledExample[] = Object.freeze(parseCorpus(corpusJson));

const defaultClassifier = trainClassifier(CORPUS);

/** Suggests a tag for a post's text (title and body together), with the cues that led to it. */
export function suggestTag(text: string): Suggestion {
  return defaultClassifier.suggest(text);
}

// ─── Evaluation ─────────────────────────────────────────────────────────────────────────────────────

export interface Evaluation {
  readonly total: number;
  readonly accuracy: number;
  readonly perTag: Record<PostTag, { precision: number; recall: number; support: number }>;
  /** confusion[actual][predicted] */
  readonly confusion: Record<PostTag, Record<PostTag, number>>;
}

/** Accuracy and per-tag precision/recall of a classifier (the default one unless given) on examples. */
export function evaluate(examples: readonly LabelledExample[], classifier: Classifier = defaultClassifier): Evaluation {
  return scorePredictions(
    examples.map((example) => ({ actual: example.tag, predicted: classifier.suggest(example.text).tag })),
  );
}

/**
 * k-fold cross-validation: example i goes to fold i mod k, so folds are deterministic and, because
 * the corpus is grouped by tag and language, each fold gets a share of every group.
 */
export function crossValidate(examples: readonly LabelledExample[], k: number): Evaluation {
  const pairs: Array<{ actual: PostTag; predicted: PostTag }> = [];
  for (let fold = 0; fold < k; fold++) {
    const training = examples.filter((_, i) => i % k !== fold);
    const testing = examples.filter((_, i) => i % k === fold);
    const classifier = trainClassifier(training);
    for (const example of testing) pairs.push({ actual: example.tag, predicted: classifier.suggest(example.text).tag });
  }
  return scorePredictions(pairs);
}

function scorePredictions(pairs: ReadonlyArray<{ actual: PostTag; predicted: PostTag }>): Evaluation {
  const row = () => ({ PERSONAL: 0, PROFESSIONAL: 0, ORGANIZATIONAL: 0 }) as Record<PostTag, number>;
  const confusion = { PERSONAL: row(), PROFESSIONAL: row(), ORGANIZATIONAL: row() } as Record<
    PostTag,
    Record<PostTag, number>
  >;
  for (const { actual, predicted } of pairs) confusion[actual][predicted] += 1;
  const correct = POST_TAGS.reduce((sum, tag) => sum + confusion[tag][tag], 0);
  const perTag = {} as Evaluation['perTag'];
  for (const tag of POST_TAGS) {
    const support = POST_TAGS.reduce((sum, t) => sum + confusion[tag][t], 0);
    const predicted = POST_TAGS.reduce((sum, t) => sum + confusion[t][tag], 0);
    perTag[tag] = {
      precision: predicted === 0 ? 0 : round(confusion[tag][tag] / predicted),
      recall: support === 0 ? 0 : round(confusion[tag][tag] / support),
      support,
    };
  }
  return { total: pairs.length, accuracy: pairs.length === 0 ? 0 : round(correct / pairs.length), perTag, confusion };
}
