// A search is read in every language Ágora stems (Spanish, Catalan, English, simple), folded and not, and
// the readings are joined with OR (search.service.ts fullQuery): for most words they agree, and PostgreSQL
// keeps every copy — `subvenciones` becomes `'subvencion' | 'subvencion' | …` eight times over. Matching
// does not care, but ranking does: ts_rank_cd walks every operand for every match (40 µs a match for that
// word, 10 ms a page for a word in 1,000 posts). This removes the copies from the query's text, as
// PostgreSQL prints a tsquery (src/backend/utils/adt/tsquery.c), before it is used: OR is idempotent, so
// what matches is unchanged.

type Node =
  | { readonly kind: 'operand'; readonly text: string }
  | { readonly kind: 'not'; readonly arg: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly args: readonly Node[] };

class Unreadable extends Error {}

/** Tokens of a tsquery's printed text: operands ('lexeme' with :* and weights), ! & | <-> <N> ( ). */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ') {
      i++;
    } else if (ch === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Unreadable();
        if (text[j] === "'") {
          if (text[j + 1] === "'") j += 2;
          else break;
        } else j++;
      }
      j++;
      const suffix = /^:[*A-D]+/.exec(text.slice(j));
      if (suffix) j += suffix[0].length;
      out.push(text.slice(i, j));
      i = j;
    } else if ('!&|()'.includes(ch)) {
      out.push(ch);
      i++;
    } else if (ch === '<') {
      const phrase = /^<(?:-|\d+)>/.exec(text.slice(i));
      if (!phrase) throw new Unreadable();
      out.push(phrase[0]);
      i += phrase[0].length;
    } else {
      throw new Unreadable();
    }
  }
  return out;
}

function parse(list: string[]): Node {
  let at = 0;
  const peek = () => list[at];
  // PostgreSQL's precedence, loosest first: |, &, phrase (<-> and <N>), !.
  const binary = (ops: (token: string | undefined) => boolean, next: () => Node) => (): Node => {
    let left = next();
    while (ops(peek())) {
      const op = list[at++] as string;
      left = { kind: 'binary', op, args: [left, next()] };
    }
    return left;
  };
  const unary = (): Node => {
    const token = list[at++];
    if (token === '!') return { kind: 'not', arg: unary() };
    if (token === '(') {
      const inner = or();
      if (list[at++] !== ')') throw new Unreadable();
      return inner;
    }
    if (token?.startsWith("'")) return { kind: 'operand', text: token };
    throw new Unreadable();
  };
  const phrase = binary((token) => token?.startsWith('<') ?? false, unary);
  const and = binary((token) => token === '&', phrase);
  const or = binary((token) => token === '|', and);
  const tree = or();
  if (at !== list.length) throw new Unreadable();
  return tree;
}

/** How tightly a node binds, as PostgreSQL parses: | loosest, then &, phrase, !, an operand. */
function precedence(node: Node): number {
  if (node.kind === 'operand') return 5;
  if (node.kind === 'not') return 4;
  return node.op === '|' ? 1 : node.op === '&' ? 2 : 3;
}

/**
 * The text of a node, with parentheses only where PostgreSQL would read it otherwise: around a looser
 * child, and around a phrase on the right of a phrase (a <-> (b <-> c) is not (a <-> b) <-> c).
 */
function print(node: Node): string {
  if (node.kind === 'operand') return node.text;
  if (node.kind === 'not') return `!${precedence(node.arg) < 4 ? `( ${print(node.arg)} )` : print(node.arg)}`;
  const own = precedence(node);
  return node.args
    .map((child, index) => {
      const loose = precedence(child) < own || (index > 0 && own === 3 && precedence(child) === 3);
      return loose ? `( ${print(child)} )` : print(child);
    })
    .join(` ${node.op} `);
}

/** The node with each OR's repeated alternatives (nested ORs flattened) kept once, in their first order. */
function simplify(node: Node): Node {
  if (node.kind === 'operand') return node;
  if (node.kind === 'not') return { kind: 'not', arg: simplify(node.arg) };
  const args = node.args.map(simplify);
  if (node.op !== '|') return { ...node, args };
  const alternatives = new Map<string, Node>();
  const collect = (child: Node) => {
    if (child.kind === 'binary' && child.op === '|') child.args.forEach(collect);
    else if (!alternatives.has(print(child))) alternatives.set(print(child), child);
  };
  args.forEach(collect);
  const kept = [...alternatives.values()];
  return kept.length === 1 ? (kept[0] as Node) : { kind: 'binary', op: '|', args: kept };
}

/**
 * A tsquery's text (as `q::text` prints it) with the alternatives an OR repeats kept once; the text as
 * given when it is not a tsquery's printed form. Pure.
 *
 * dedupeTsquery("'subvencion' | 'subvencion' | 'subvenciones'") → "'subvencion' | 'subvenciones'"
 * dedupeTsquery("( 'a' & 'b' ) | ( 'a' & 'b' )") → "'a' & 'b'"
 */
export function dedupeTsquery(text: string): string {
  if (text.trim() === '') return text;
  try {
    return print(simplify(parse(tokens(text))));
  } catch (error) {
    // Too deep to walk (each operator nests one level: a chain of thousands overflows the stack): as given,
    // which matches the same, only ranked more slowly.
    if (error instanceof Unreadable || error instanceof RangeError) return text;
    throw error;
  }
}
