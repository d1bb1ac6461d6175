// How good the tag suggestion is: the figures `npm run policy:evaluate` prints and the unit tests
// check. Pure: examples and a classifier in, numbers out.
import {
  type Classifier,
  defaultTagClassifier,
  type LabelledExample,
  type Language,
  normalizeText,
  type TrainingOptions,
  trainClassifier,
} from './classifier.js';
import { POST_TAGS, type PostTag } from './tags.js';

const LANGUAGES: readonly Language[] = ['es', 'ca', 'en'];

/** One suggestion set against its label. `confidence` is the suggestion's, 0..1. */
export interface Prediction {
  readonly actual: PostTag;
  readonly predicted: PostTag;
  readonly confidence: number;
  readonly lang: Language;
}

export interface TagScores {
  /** Of the posts suggested as this tag, the share that had it; 0 when none was suggested. */
  readonly precision: number;
  /** Of the posts with this tag, the share suggested as it; 0 when there were none. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  /** How many posts had this tag. */
  readonly support: number;
}

/** Suggestions whose confidence fell in [from, to) (the last bucket includes 1). */
export interface CalibrationBucket {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  /** Share of them that were right; 0 when the bucket is empty. */
  readonly accuracy: number;
  readonly meanConfidence: number;
}

export interface Scores {
  readonly total: number;
  readonly accuracy: number;
  /** The unweighted mean of the three tags' F1. */
  readonly macroF1: number;
  readonly perTag: Record<PostTag, TagScores>;
  /** confusion[actual][predicted] */
  readonly confusion: Record<PostTag, Record<PostTag, number>>;
}

export interface Evaluation extends Scores {
  /** The same figures for each language's posts alone. */
  readonly perLanguage: Record<Language, Scores>;
  readonly calibration: CalibrationBucket[];
}

/** The edges of the calibration buckets (confidence is at least 1/3 with three tags). */
export const CALIBRATION_EDGES = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1] as const;

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function scoreOf(predictions: readonly Prediction[]): Scores {
  const row = () => ({ PERSONAL: 0, PROFESSIONAL: 0, ORGANIZATIONAL: 0 }) as Record<PostTag, number>;
  const confusion = { PERSONAL: row(), PROFESSIONAL: row(), ORGANIZATIONAL: row() } as Record<
    PostTag,
    Record<PostTag, number>
  >;
  for (const { actual, predicted } of predictions) confusion[actual][predicted] += 1;
  const correct = POST_TAGS.reduce((sum, tag) => sum + confusion[tag][tag], 0);
  const perTag = {} as Record<PostTag, TagScores>;
  let f1Sum = 0;
  for (const tag of POST_TAGS) {
    const support = POST_TAGS.reduce((sum, t) => sum + confusion[tag][t], 0);
    const predicted = POST_TAGS.reduce((sum, t) => sum + confusion[t][tag], 0);
    const precision = predicted === 0 ? 0 : confusion[tag][tag] / predicted;
    const recall = support === 0 ? 0 : confusion[tag][tag] / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    f1Sum += f1;
    perTag[tag] = { precision: round(precision), recall: round(recall), f1: round(f1), support };
  }
  const total = predictions.length;
  return {
    total,
    accuracy: total === 0 ? 0 : round(correct / total),
    macroF1: round(f1Sum / POST_TAGS.length),
    perTag,
    confusion,
  };
}

/**
 * Precision, recall and F1 per tag, macro-F1 (the mean of the tags' F1, each tag counting the same
 * whatever its support), the confusion matrix, the same per language, and accuracy by confidence
 * bucket (CALIBRATION_EDGES). Ratios are rounded to 3 decimals; an empty denominator gives 0.
 */
export function scorePredictions(predictions: readonly Prediction[]): Evaluation {
  const perLanguage = {} as Record<Language, Scores>;
  for (const lang of LANGUAGES) perLanguage[lang] = scoreOf(predictions.filter((p) => p.lang === lang));
  const calibration: CalibrationBucket[] = [];
  for (let i = 0; i + 1 < CALIBRATION_EDGES.length; i++) {
    const from = CALIBRATION_EDGES[i] as number;
    const to = CALIBRATION_EDGES[i + 1] as number;
    const last = i + 2 === CALIBRATION_EDGES.length;
    const inBucket = predictions.filter(
      (p) => p.confidence >= from && (p.confidence < to || (last && p.confidence <= to)),
    );
    const right = inBucket.filter((p) => p.actual === p.predicted).length;
    const count = inBucket.length;
    calibration.push({
      from,
      to,
      count,
      accuracy: count === 0 ? 0 : round(right / count),
      meanConfidence: count === 0 ? 0 : round(inBucket.reduce((sum, p) => sum + p.confidence, 0) / count),
    });
  }
  return { ...scoreOf(predictions), perLanguage, calibration };
}

/** The classifier's suggestion for each example (the default classifier unless one is given). */
export function predict(
  examples: readonly LabelledExample[],
  classifier: Classifier = defaultTagClassifier(),
): Prediction[] {
  return examples.map((example) => {
    const suggestion = classifier.suggest(example.text);
    return { actual: example.tag, predicted: suggestion.tag, confidence: suggestion.confidence, lang: example.lang };
  });
}

/** scorePredictions of a classifier's suggestions on examples (the default classifier unless given). */
export function evaluate(examples: readonly LabelledExample[], classifier?: Classifier): Evaluation {
  return scorePredictions(predict(examples, classifier));
}

/**
 * The fold of each example in k-fold cross-validation: example i goes to fold i mod k (deterministic;
 * the corpus is grouped by tag and language, so every fold gets a share of each group), except that
 * near-copies — a Catalan post translated from a Spanish one shares most of its character 4-grams
 * with it (Jaccard similarity ≥ `nearCopy`, 0.25 by default) — all go to the fold of the first of
 * them, so that no fold is tested on a translation of what it was trained on.
 */
export function assignFolds(examples: readonly LabelledExample[], k: number, nearCopy = 0.25): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`crossValidate: k must be an integer ≥ 2, got ${k}`);
  const grams = examples.map((example) => {
    const folded = normalizeText(example.text).replace(/\s+/g, ' ');
    const set = new Set<string>();
    for (let i = 0; i + 4 <= folded.length; i++) set.add(folded.slice(i, i + 4));
    return set;
  });
  const folds = examples.map((_, i) => i % k);
  for (let i = 0; i < examples.length; i++) {
    const a = grams[i] as Set<string>;
    for (let j = 0; j < i; j++) {
      const b = grams[j] as Set<string>;
      let shared = 0;
      for (const gram of a) if (b.has(gram)) shared++;
      if (shared / (a.size + b.size - shared || 1) >= nearCopy) {
        folds[i] = folds[j] as number;
        break;
      }
    }
  }
  return folds;
}

/**
 * k-fold cross-validation with assignFolds. Returns the out-of-fold predictions and, for calibration,
 * each one's probabilities (POST_TAGS order).
 */
export function crossValidatePredictions(
  examples: readonly LabelledExample[],
  k: number,
  options: TrainingOptions = {},
): Array<Prediction & { probabilities: number[] }> {
  const folds = assignFolds(examples, k);
  const out: Array<Prediction & { probabilities: number[] }> = [];
  for (let fold = 0; fold < k; fold++) {
    const classifier = trainClassifier(
      examples.filter((_, i) => folds[i] !== fold),
      options,
    );
    for (const example of examples.filter((_, i) => folds[i] === fold)) {
      const suggestion = classifier.suggest(example.text);
      out.push({
        actual: example.tag,
        predicted: suggestion.tag,
        confidence: suggestion.confidence,
        lang: example.lang,
        probabilities: classifier.probabilities(example.text),
      });
    }
  }
  return out;
}

/** scorePredictions of k-fold cross-validation (see crossValidatePredictions). */
export function crossValidate(
  examples: readonly LabelledExample[],
  k: number,
  options: TrainingOptions = {},
): Evaluation {
  return scorePredictions(crossValidatePredictions(examples, k, options));
}

/**
 * The temperature T (from 0.2 to 5, by 0.05) that maximises the likelihood of the true tags when
 * probabilities p, made at temperature `at`, are re-made at T: softmax(log(p) · at / T). Guo et
 * al. 2017, "On calibration of modern neural networks", temperature scaling.
 */
export function fitTemperature(
  predictions: ReadonlyArray<{ actual: PostTag; probabilities: readonly number[] }>,
  at = 1,
): number {
  let best = at;
  let bestLogLikelihood = -Infinity;
  for (let t = 0.2; t <= 5.0001; t += 0.05) {
    let logLikelihood = 0;
    for (const { actual, probabilities } of predictions) {
      const scaled = probabilities.map((p) => (Math.log(Math.max(p, 1e-12)) * at) / t);
      const max = Math.max(...scaled);
      const norm = max + Math.log(scaled.reduce((sum, s) => sum + Math.exp(s - max), 0));
      logLikelihood += (scaled[POST_TAGS.indexOf(actual)] ?? -Infinity) - norm;
    }
    if (logLikelihood > bestLogLikelihood) {
      bestLogLikelihood = logLikelihood;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}

/** Of the predictions at or above a confidence, how many there were and the share that were right. */
export function precisionAtConfidence(
  predictions: readonly Prediction[],
  threshold: number,
): { count: number; accuracy: number } {
  const above = predictions.filter((p) => p.confidence >= threshold);
  const right = above.filter((p) => p.actual === p.predicted).length;
  return { count: above.length, accuracy: above.length === 0 ? 0 : round(right / above.length) };
}

const SHORT: Record<PostTag, string> = { PERSONAL: 'PERS', PROFESSIONAL: 'PROF', ORGANIZATIONAL: 'ORG' };

/** An evaluation as plain text: confusion matrix, per tag, per language, calibration. */
export function renderEvaluation(evaluation: Evaluation): string {
  const pad = (value: string | number, width: number) => String(value).padStart(width);
  const fixed = (value: number) => value.toFixed(3);
  const lines: string[] = [];
  lines.push(
    `posts ${evaluation.total}   accuracy ${fixed(evaluation.accuracy)}   macro-F1 ${fixed(evaluation.macroF1)}`,
  );
  lines.push('', 'confusion matrix (rows: actual, columns: suggested)');
  lines.push(`${pad('', 6)}${POST_TAGS.map((tag) => pad(SHORT[tag], 6)).join('')}`);
  for (const actual of POST_TAGS) {
    lines.push(`${pad(SHORT[actual], 6)}${POST_TAGS.map((p) => pad(evaluation.confusion[actual][p], 6)).join('')}`);
  }
  lines.push('', 'per tag          precision  recall     F1  support');
  for (const tag of POST_TAGS) {
    const s = evaluation.perTag[tag];
    lines.push(
      `  ${tag.padEnd(15)}${pad(fixed(s.precision), 9)}${pad(fixed(s.recall), 8)}${pad(fixed(s.f1), 7)}${pad(s.support, 9)}`,
    );
  }
  lines.push('', 'per language   posts  accuracy  macro-F1   F1 PERS   F1 PROF    F1 ORG');
  for (const lang of LANGUAGES) {
    const s = evaluation.perLanguage[lang];
    lines.push(
      `  ${lang.padEnd(12)}${pad(s.total, 7)}${pad(fixed(s.accuracy), 10)}${pad(fixed(s.macroF1), 10)}${POST_TAGS.map((tag) => pad(fixed(s.perTag[tag].f1), 10)).join('')}`,
    );
  }
  lines.push('', 'calibration    posts  accuracy  mean confidence');
  for (const bucket of evaluation.calibration) {
    lines.push(
      `  ${`[${bucket.from.toFixed(2)}, ${bucket.to.toFixed(2)}${bucket.to === 1 ? ']' : ')'}`.padEnd(13)}${pad(bucket.count, 6)}${pad(bucket.count === 0 ? '-' : fixed(bucket.accuracy), 10)}${pad(bucket.count === 0 ? '-' : fixed(bucket.meanConfidence), 17)}`,
    );
  }
  return lines.join('\n');
}
