import { parseArgs } from 'node:util';
import { CORPUS, DEFAULT_TRAINING, HELDOUT_CORPUS, TRAINING_CORPUS, trainClassifier } from '../policy/classifier.js';
import {
  crossValidatePredictions,
  evaluate,
  fitTemperature,
  precisionAtConfidence,
  predict,
  renderEvaluation,
  scorePredictions,
} from '../policy/evaluation.js';
import { SUGGESTION_WARN_CONFIDENCE } from '../policy/rules.js';
import { POST_TAGS } from '../policy/tags.js';

// `npm run policy:evaluate`: the tag suggestion measured on the corpus's held-out split, which no
// model is trained or tuned on. `-- --cv` adds 10-fold cross-validation on the training split (what
// the settings and the temperature were chosen by). See docs/policy-model.md.

function main(): number {
  const { values } = parseArgs({ options: { cv: { type: 'boolean' } }, strict: true });
  const out = (...lines: string[]) => {
    for (const line of lines) process.stdout.write(`${line}\n`);
  };

  out('Corpus (src/policy/corpus.json): posts per tag × language, train / heldout');
  for (const tag of POST_TAGS) {
    const cells = (['es', 'ca', 'en'] as const).map((lang) => {
      const of = CORPUS.filter((e) => e.tag === tag && e.lang === lang);
      return `${lang} ${of.filter((e) => e.split === 'train').length}/${of.filter((e) => e.split === 'heldout').length}`;
    });
    out(`  ${tag.padEnd(15)} ${cells.join('   ')}`);
  }
  out(`  total ${CORPUS.length}: train ${TRAINING_CORPUS.length}, heldout ${HELDOUT_CORPUS.length}`);
  out(
    `Model: logistic regression, l2 ${DEFAULT_TRAINING.l2}, ${DEFAULT_TRAINING.iterations} iterations, temperature ${DEFAULT_TRAINING.temperature}`,
  );

  const started = performance.now();
  const classifier = trainClassifier(TRAINING_CORPUS);
  out(`  trained in ${Math.round(performance.now() - started)} ms, ${classifier.vocabularySize} features`);

  out('', '── Held-out split ──', renderEvaluation(evaluate(HELDOUT_CORPUS, classifier)));
  const held = predict(HELDOUT_CORPUS, classifier);
  const warn = precisionAtConfidence(held, SUGGESTION_WARN_CONFIDENCE);
  const below = held.filter((p) => p.confidence < SUGGESTION_WARN_CONFIDENCE);
  const belowRight = below.filter((p) => p.actual === p.predicted).length;
  out(
    '',
    `WARN threshold ${SUGGESTION_WARN_CONFIDENCE}: ${warn.count} of ${held.length} suggestions at or above it, ${warn.accuracy.toFixed(3)} right; ` +
      `${below.length} below it, ${(below.length === 0 ? 0 : belowRight / below.length).toFixed(3)} right`,
  );

  if (values.cv) {
    const atOne = crossValidatePredictions(TRAINING_CORPUS, 10, { temperature: 1 });
    out(
      '',
      '── 10-fold cross-validation on the training split (temperature 1) ──',
      renderEvaluation(scorePredictions(atOne)),
    );
    out('', `Temperature that maximises the out-of-fold likelihood: ${fitTemperature(atOne)}`);
  }
  return 0;
}

process.exit(main());
