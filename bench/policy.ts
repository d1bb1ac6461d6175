import { HELDOUT_CORPUS, suggestTag } from '../src/policy/classifier.js';
import { detectConfidentialityMarkers } from '../src/policy/confidentiality.js';
import { detectPersonalData } from '../src/policy/personal-data.js';
import { decidePost } from '../src/policy/rules.js';
import { compileWatchedWords, type WatchedWord } from '../src/policy/watched-words.js';

// Issue 10's figure: what the text guards cost on a 20,000-character post — the personal-data detectors,
// the confidentiality markers and 1,000 watched words — beside the tag suggestion that every post already
// pays. Pure functions in this process, warmed up, at two sizes of post (2,000 and 20,000 characters).
// The suggestion is timed twice (issue 13): on that paragraph, which repeats a few dozen words, and on
// varied text (the corpus's held-out posts one after another), where almost every word is new to the post.

const PARAGRAPH =
  'El pleno del Ayuntamiento aprobó ayer el expediente 2024/000123 de contratación del servicio de limpieza. ' +
  'Para dudas, escribid a contratacion@ayto.example o llamad al 912 345 678; el borrador del pliego sigue en revisión. ' +
  'La partida 1532.609.00 cubre la obra y el IBAN del proveedor es ES91 2100 0418 4502 0005 1332. ';

export interface PolicyBenchRow {
  readonly characters: number;
  /** Microseconds per post. */
  readonly personalDataUs: number;
  readonly markersUs: number;
  readonly watchedWordsUs: number;
  readonly suggestionUs: number;
  /** The suggestion on varied text of the same length. */
  readonly suggestionVariedUs: number;
  /** The whole decidePost (standing rules, every guard, the suggestion) with 1,000 watched words, compiled once as a process keeps them. */
  readonly decidePostUs: number;
  /** Compiling the 1,000 entries, which a process does only when a list changed (watched-word-lists.ts). */
  readonly compileUs: number;
}

function perPost(work: () => unknown, runs: number): number {
  for (let i = 0; i < Math.min(runs, 50); i++) work();
  const started = performance.now();
  for (let i = 0; i < runs; i++) work();
  return ((performance.now() - started) / runs) * 1000;
}

export function benchPolicyGuards(): PolicyBenchRow[] {
  const entries: WatchedWord[] = Array.from({ length: 1_000 }, (_, i) => ({
    phrase: i % 4 === 0 ? `expresión vigilada ${i}` : `término${i}`,
    action: (['flag', 'hold', 'block'] as const)[i % 3] ?? 'flag',
  }));
  const watched = compileWatchedWords(entries);
  return [2_000, 20_000].map((characters) => {
    const text = PARAGRAPH.repeat(Math.ceil(characters / PARAGRAPH.length)).slice(0, characters);
    const posts = HELDOUT_CORPUS.map((example) => example.text).join('\n\n');
    const varied = posts.repeat(Math.ceil(characters / posts.length)).slice(0, characters);
    const runs = characters > 5_000 ? 200 : 1_000;
    return {
      characters,
      personalDataUs: perPost(() => detectPersonalData(text), runs),
      markersUs: perPost(() => detectConfidentialityMarkers(text), runs),
      watchedWordsUs: perPost(() => watched.find(text), runs),
      suggestionUs: perPost(() => suggestTag(text), runs),
      suggestionVariedUs: perPost(() => suggestTag(varied), runs),
      decidePostUs: perPost(
        () =>
          decidePost({
            author: { kind: 'EMPLOYEE', officialVoiceFor: [], communityRole: 'MEMBER' },
            community: { welcomedTags: ['PERSONAL', 'PROFESSIONAL'], ownerOrganizationId: 'org', audience: 'OPEN' },
            thread: { kind: 'DISCUSSION', isOpeningPost: false },
            chosenTag: 'PROFESSIONAL',
            onBehalfOf: null,
            text,
            watchedWords: watched,
          }),
        runs,
      ),
      compileUs: perPost(() => compileWatchedWords(entries), 100),
    };
  });
}

export function renderPolicyBench(rows: readonly PolicyBenchRow[]): string {
  return [
    'Text guards (issue 10), µs per post: characters | personal data | confidentiality markers | 1,000 watched words | tag suggestion | tag suggestion, varied text | all of decidePost | compiling the 1,000 words (once per change)',
    ...rows.map(
      (row) =>
        `  ${String(row.characters).padStart(6)} | ${row.personalDataUs.toFixed(0).padStart(8)} | ${row.markersUs.toFixed(0).padStart(8)} | ${row.watchedWordsUs.toFixed(0).padStart(8)} | ${row.suggestionUs.toFixed(0).padStart(8)} | ${row.suggestionVariedUs.toFixed(0).padStart(8)} | ${row.decidePostUs.toFixed(0).padStart(8)} | ${row.compileUs.toFixed(0).padStart(8)}`,
    ),
  ].join('\n');
}
