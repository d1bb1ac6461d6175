// An explainable suggestion of a post's tag: a multinomial logistic regression (L2-regularised,
// trained at module load on the corpus's training split, corpus.json) over the words of a post and
// the characters inside them (3- to 5-grams). Linear because every feature's contribution to the
// score is a number the badge can show as "why": a word's cue weight is exactly how much that word
// (itself and its character n-grams) moved the log-odds of the suggested tag against the runner-up.
// Character n-grams because posts are short and written in three related languages, with and
// without accents, with typos: "contratación", "contratacion", "contractació" and "contratar" share
// most of theirs. They did what Snowball stems would (docs/policy-model.md: stems added nothing on
// top of them in cross-validation, and hurt without them), so there is no stemmer. Deterministic: no
// randomness; examples and features are put in a canonical order first.
import corpusJson from './corpus.json' with { type: 'json' };
import { isPostTag, POST_TAGS, type PostTag } from './tags.js';

export type Language = 'es' | 'ca' | 'en';

/** Which part of the corpus an example belongs to: models learn from `train` only. */
export type CorpusSplit = 'train' | 'heldout';

export interface LabelledExample {
  readonly text: string;
  readonly lang: Language;
  readonly tag: PostTag;
  /** Absent in hand-made examples (tests); the corpus marks every entry. */
  readonly split?: CorpusSplit;
}

export interface Cue {
  /** The normalised word or two-word phrase, e.g. "consistorio" or "ayuntamiento informa". */
  readonly cue: string;
  /** The tag it pushed toward. */
  readonly tag: PostTag;
  /**
   * How much it pushed: its contribution to the log-odds of the suggested tag against the other two
   * (each weighted by its probability), in nats of the calibrated posterior (> 0). Taking the word out
   * of the text lowers those log-odds by about that much.
   */
  readonly weight: number;
}

export interface Suggestion {
  readonly tag: PostTag;
  /** The model's calibrated posterior probability of that tag, 0..1; 1/3 when the text has no known features. */
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

// What is not a word of the post: @mentions (a handle says who, not in which capacity), links and
// e-mail addresses.
const NOT_WORDS = /@[\w.-]+|\bhttps?:\/\/\S+|\bwww\.\S+|\S+@\S+/g;

/**
 * The word tokens of a text, normalised, without @mentions, links and e-mail addresses, its
 * language's stop words removed, in order. "?" and "!" count as words: a question or an exclamation
 * says something of the capacity (cross-validation on the training split: macro-F1 0.915 → 0.933).
 */
export function tokenize(text: string, lang: Language = detectLanguage(text)): string[] {
  const words = normalizeText(text.replace(NOT_WORDS, ' ')).match(/[a-z0-9]+|[?!]/g) ?? [];
  const stopWords = STOP_WORDS[lang];
  return words.filter((word) => !stopWords.has(word) && !/^\d+$/.test(word));
}

const MIN_GRAM = 3;
const MAX_GRAM = 5;

/**
 * The features of one normalised word: the word itself (`w:consistorio`) and its character 3- to
 * 5-grams with a space marking each end (`c: co`, `c:cons`, `c:orio `…), each once, sorted.
 */
export function wordFeatures(word: string): string[] {
  const features = new Set([`w:${word}`]);
  const padded = ` ${word} `;
  for (let n = MIN_GRAM; n <= MAX_GRAM; n++) {
    for (let start = 0; start + n <= padded.length; start++) features.add(`c:${padded.slice(start, start + n)}`);
  }
  return [...features].sort();
}

/** Distinct features of a text, sorted: its words (`w:`) and their character n-grams (`c:`), see wordFeatures. */
export function extractFeatures(text: string, lang: Language = detectLanguage(text)): string[] {
  const features = new Set<string>();
  for (const word of new Set(tokenize(text, lang))) for (const feature of wordFeatures(word)) features.add(feature);
  return [...features].sort();
}

// The model identifies a feature by a 30-bit FNV-1a hash of its text rather than by the text: a
// suggestion then builds no string per n-gram, which is what keeps a long post under a millisecond.
// With some 25,000 features in the model, two of them share a hash about once in four corpora.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HASH_MASK = 0x3fffffff;
const fnv = (hash: number, code: number): number => Math.imul(hash ^ code, FNV_PRIME) >>> 0;
const SPACE = 32;
const WORD_SEED = fnv(fnv(FNV_OFFSET, 'w'.charCodeAt(0)), ':'.charCodeAt(0));
const GRAM_SEED = fnv(fnv(FNV_OFFSET, 'c'.charCodeAt(0)), ':'.charCodeAt(0));

/** The model's id of a feature's text (as wordFeatures writes it): FNV-1a, 30 bits. */
export function featureHash(feature: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < feature.length; i++) hash = fnv(hash, feature.charCodeAt(i));
  return hash & HASH_MASK;
}

/** featureHash of each of wordFeatures(word), computed without building the strings; distinct, unordered. */
export function wordFeatureHashes(word: string): number[] {
  const hashes = new Set<number>();
  let hash = WORD_SEED;
  for (let i = 0; i < word.length; i++) hash = fnv(hash, word.charCodeAt(i));
  hashes.add(hash & HASH_MASK);
  const length = word.length + 2;
  const at = (position: number) => (position === 0 || position === length - 1 ? SPACE : word.charCodeAt(position - 1));
  for (let start = 0; start + MIN_GRAM <= length; start++) {
    let gram = GRAM_SEED;
    for (let k = 0; k < MAX_GRAM && start + k < length; k++) {
      gram = fnv(gram, at(start + k));
      if (k + 1 >= MIN_GRAM) hashes.add(gram & HASH_MASK);
    }
  }
  return [...hashes];
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
  /** The calibrated probability of each tag (POST_TAGS order) for a text; 1/3 each with no known features. */
  probabilities(text: string): number[];
}

export interface TrainingOptions {
  /** L2 penalty on the weights (per example, on the mean log-loss). */
  readonly l2?: number;
  /** Full-batch optimisation steps (Adam). */
  readonly iterations?: number;
  /** Logits are divided by this before the softmax (temperature scaling). */
  readonly temperature?: number;
  /** Adam's step size. */
  readonly learningRate?: number;
}

/**
 * The model's settings, chosen by 10-fold cross-validation on the training split only (npm run
 * policy:evaluate prints it): the held-out split never tuned anything. The temperature is the one
 * that maximised the likelihood of the out-of-fold predictions; the badge's confidence is what it
 * says (see docs/policy-model.md, "calibration").
 */
/**
 * A text's features are scaled by 1/√max(count, NORM_FLOOR): the usual L2 normalisation (a long post
 * is not more certain for being long), except that a text of a few words (fewer features than a line
 * of about ten) is not made as certain as a paragraph by the two or three words it has: "mira esto"
 * is not a personal post at 94%. Only the shortest posts of the corpus are below it; cross-validation
 * did not change with it (64, 150 or 300).
 */
const NORM_FLOOR = 150;

export const DEFAULT_TRAINING: Required<TrainingOptions> = {
  l2: 1e-4,
  iterations: 50,
  temperature: 0.45,
  learningRate: 0.5,
};

/**
 * Trains a multinomial logistic regression on examples: binary features scaled to unit length (see
 * NORM_FLOOR), one weight per tag and feature and no bias, minimising the mean log-loss plus
 * l2/2·‖W‖² by full-batch Adam from zeros. No bias means a uniform prior: the corpus is balanced by
 * design, the mix of posts varies by community, the author decides anyway — and the words then
 * explain the whole score. Deterministic and independent of the order of the examples.
 */
export function trainClassifier(examples: readonly LabelledExample[], options: TrainingOptions = {}): Classifier {
  const { l2, iterations, temperature, learningRate } = { ...DEFAULT_TRAINING, ...options };
  const classes = POST_TAGS.length;
  const sorted = [...examples].sort((a, b) => compare(a.text, b.text) || compare(a.tag, b.tag));
  const documents = sorted.map((example) => {
    const hashes = new Set<number>();
    for (const word of new Set(tokenize(example.text))) for (const hash of wordFeatureHashes(word)) hashes.add(hash);
    return hashes;
  });
  const vocabulary = new Set<number>();
  for (const hashes of documents) for (const hash of hashes) vocabulary.add(hash);
  const index = new Map([...vocabulary].sort((a, b) => a - b).map((hash, i) => [hash, i]));
  const size = index.size;

  // Sparse rows: sorted feature ids and their (equal) L2-normalised value.
  const rows = documents.map((hashes) => ({
    ids: Int32Array.from([...hashes].map((hash) => index.get(hash) ?? 0)).sort(),
    value: hashes.size === 0 ? 0 : 1 / Math.sqrt(Math.max(hashes.size, NORM_FLOOR)),
  }));
  const labels = sorted.map((example) => POST_TAGS.indexOf(example.tag));

  // Feature-major layout: the three tags' weights of a feature sit together.
  const weights = new Float64Array(size * classes);
  const gradient = new Float64Array(size * classes);
  const total = size * classes;
  const moment1 = new Float64Array(total);
  const moment2 = new Float64Array(total);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const logits = new Float64Array(classes);
  const n = rows.length;

  for (let step = 1; step <= iterations && n > 0; step++) {
    gradient.fill(0);
    for (let r = 0; r < n; r++) {
      const row = rows[r] as { ids: Int32Array; value: number };
      const ids = row.ids;
      // Three tags, unrolled: this loop is most of the training time.
      let z0 = 0;
      let z1 = 0;
      let z2 = 0;
      for (let j = 0; j < ids.length; j++) {
        const offset = (ids[j] as number) * 3;
        z0 += weights[offset] as number;
        z1 += weights[offset + 1] as number;
        z2 += weights[offset + 2] as number;
      }
      logits[0] = z0 * row.value;
      logits[1] = z1 * row.value;
      logits[2] = z2 * row.value;
      softmaxInPlace(logits);
      for (let c = 0; c < classes; c++) {
        logits[c] = (((logits[c] as number) - (labels[r] === c ? 1 : 0)) / n) * row.value;
      }
      const g0 = logits[0] as number;
      const g1 = logits[1] as number;
      const g2 = logits[2] as number;
      for (let j = 0; j < ids.length; j++) {
        const offset = (ids[j] as number) * 3;
        gradient[offset] = (gradient[offset] as number) + g0;
        gradient[offset + 1] = (gradient[offset + 1] as number) + g1;
        gradient[offset + 2] = (gradient[offset + 2] as number) + g2;
      }
    }
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    for (let i = 0; i < total; i++) {
      const value = weights[i] as number;
      const g = (gradient[i] as number) + l2 * value;
      moment1[i] = beta1 * (moment1[i] as number) + (1 - beta1) * g;
      moment2[i] = beta2 * (moment2[i] as number) + (1 - beta2) * g * g;
      weights[i] =
        value -
        (learningRate * ((moment1[i] as number) / correction1)) /
          (Math.sqrt((moment2[i] as number) / correction2) + epsilon);
    }
  }

  // A word's known feature ids, remembered: words repeat across posts.
  const wordCache = new Map<string, Int32Array>();
  const WORD_CACHE_LIMIT = 50_000;
  function idsOf(word: string): Int32Array {
    let ids = wordCache.get(word);
    if (ids === undefined) {
      const known: number[] = [];
      for (const hash of wordFeatureHashes(word)) {
        const id = index.get(hash);
        if (id !== undefined) known.push(id);
      }
      ids = Int32Array.from(known);
      if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
      wordCache.set(word, ids);
    }
    return ids;
  }

  // Scratch space for one suggestion (JavaScript runs one at a time): `seen[id] === stamp` marks a
  // feature already counted in this text, `holders[id]` how many of its words contain it.
  const seen = new Int32Array(size);
  const holders = new Int32Array(size);
  let stamp = 0;

  /** The text's known features by word, their normalised value, and the logits over the temperature. */
  function score(text: string): { byCue: Map<string, Int32Array>; known: number[]; value: number; z: number[] } {
    stamp = stamp === 0x7fffffff ? 1 : stamp + 1;
    if (stamp === 1) seen.fill(0);
    const byCue = new Map<string, Int32Array>();
    const known: number[] = [];
    for (const word of tokenize(text)) {
      if (byCue.has(word)) continue;
      const ids = idsOf(word);
      if (ids.length === 0) continue;
      byCue.set(word, ids);
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j] as number;
        if (seen[id] !== stamp) {
          seen[id] = stamp;
          holders[id] = 0;
          known.push(id);
        }
        holders[id] = (holders[id] as number) + 1;
      }
    }
    const value = known.length === 0 ? 0 : 1 / Math.sqrt(Math.max(known.length, NORM_FLOOR));
    // Summed in id order, so that the result does not depend on the order of the words.
    const ordered = Int32Array.from(known).sort();
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    for (let j = 0; j < ordered.length; j++) {
      const offset = (ordered[j] as number) * 3;
      z0 += weights[offset] as number;
      z1 += weights[offset + 1] as number;
      z2 += weights[offset + 2] as number;
    }
    const z = [z0, z1, z2].map((sum) => (sum * value) / temperature);
    return { byCue, known, value, z };
  }

  function probabilities(text: string): number[] {
    const { known, z } = score(text);
    if (known.length === 0) return POST_TAGS.map(() => 1 / classes);
    const p = Float64Array.from(z);
    softmaxInPlace(p);
    return [...p];
  }

  function suggest(text: string): Suggestion {
    const { byCue, known, value, z } = score(text);
    // With no evidence at all, PROFESSIONAL: what most posts on a network for public employees are.
    if (known.length === 0) return { tag: 'PROFESSIONAL', confidence: round(1 / classes), cues: [] };
    let best = 0;
    for (let c = 1; c < classes; c++) if ((z[c] as number) > (z[best] as number)) best = c;
    const p = Float64Array.from(z);
    softmaxInPlace(p);
    const tag = POST_TAGS[best] ?? 'PROFESSIONAL';

    // A word's weight is what its features add to the log-odds of the suggested tag against the
    // others: to z[best] − Σ q[c]·z[c], the rivals weighted by their share q of the rest of the
    // probability (the gradient of log(p/(1−p)) times the input). So a word that rules out one
    // rival counts as much as that rival was in the running. A feature that several words share is
    // split evenly among them, so the weights of all the words (those that pushed the other way
    // included) add up exactly to that margin: there is no bias term to hide anything in.
    const rest = 1 - (p[best] as number);
    const q = [...p].map((pc, c) => (c === best ? 0 : rest > 0 ? pc / rest : 1 / (classes - 1)));
    const cues: Cue[] = [];
    for (const [cue, ids] of byCue) {
      let weight = 0;
      for (let j = 0; j < ids.length; j++) {
        const offset = (ids[j] as number) * classes;
        let delta = weights[offset + best] as number;
        for (let c = 0; c < classes; c++) delta -= (q[c] as number) * (weights[offset + c] as number);
        weight += (delta * value) / (holders[ids[j] as number] as number);
      }
      weight /= temperature;
      if (weight > 0) cues.push({ cue, tag, weight });
    }
    cues.sort((a, b) => b.weight - a.weight || compare(a.cue, b.cue));
    return {
      tag,
      confidence: round(p[best] as number),
      cues: cues.slice(0, MAX_CUES).map((cue) => ({ ...cue, weight: round(cue.weight) })),
    };
  }

  return { suggest, probabilities, vocabularySize: size };
}

function softmaxInPlace(values: Float64Array): void {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.exp((values[i] as number) - max);
    values[i] = e;
    sum += e;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / sum;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// ─── The corpus and the default model ───────────────────────────────────────────────────────────────

function parseCorpus(raw: unknown): LabelledExample[] {
  if (!Array.isArray(raw)) throw new Error('policy corpus: expected an array');
  return raw.map((entry: unknown, index) => {
    const e = entry as Partial<Record<keyof LabelledExample, unknown>>;
    if (
      typeof e.text !== 'string' ||
      !isPostTag(e.tag) ||
      (e.lang !== 'es' && e.lang !== 'ca' && e.lang !== 'en') ||
      (e.split !== 'train' && e.split !== 'heldout')
    ) {
      throw new Error(`policy corpus: bad entry at ${index}`);
    }
    return { text: e.text, lang: e.lang, tag: e.tag, split: e.split };
  });
}

/** Every labelled example of src/policy/corpus.json, both splits. */
export const CORPUS: readonly LabelledExample[] = Object.freeze(parseCorpus(corpusJson));

/** The examples models learn (and are tuned) from. */
export const TRAINING_CORPUS: readonly LabelledExample[] = Object.freeze(CORPUS.filter((e) => e.split === 'train'));

/** The examples kept aside to report on: no model is trained or tuned on them. */
export const HELDOUT_CORPUS: readonly LabelledExample[] = Object.freeze(CORPUS.filter((e) => e.split === 'heldout'));

const defaultClassifier = trainClassifier(TRAINING_CORPUS);

/** The classifier suggestTag uses: trained on TRAINING_CORPUS with DEFAULT_TRAINING. */
export function defaultTagClassifier(): Classifier {
  return defaultClassifier;
}

/**
 * Suggests a tag for a post's text (title and body together), with the cues that led to it.
 * Pure and deterministic; about 0.3 ms for 2,000 characters (bench/policy.ts).
 */
export function suggestTag(text: string): Suggestion {
  return defaultClassifier.suggest(text);
}
