/**
 * Spelling suggestions for a search that found nothing ("Middlesborough" → "Middlesbrough"): each word of the
 * search that no area's name holds is replaced by the closest word that one does, when one is close enough.
 * Pure: the words of the names come from the caller.
 */

/** A word of the areas' names, as compared (a name key's word) and as shown. */
export interface NameWord {
  key: string;
  /** As written in a name that is not all capitals ("Middlesbrough"), else null (practice names are). */
  display: string | null;
  /** How many names hold it: between two equally close words, the commoner wins. */
  count: number;
}

/**
 * The words of these names, as a search's words are compared with them: split at every character but ASCII
 * letters, digits and apostrophes ("&" read as "and"), apostrophes then dropped, lower-cased. Each with how
 * many times the names hold it, and the first way (by character codes) a name that is not all capitals
 * writes it.
 */
export function wordsOfNames(names: Iterable<string>): NameWord[] {
  const words = new Map<string, NameWord>();
  for (const name of names) {
    const mixed = name !== name.toUpperCase();
    for (const token of name.replaceAll('&', ' and ').split(/[^A-Za-z0-9'’‘`]+/u)) {
      const key = token.toLowerCase().replace(/['’‘`]/gu, '');
      if (key === '') continue;
      const word = words.get(key) ?? { key, display: null, count: 0 };
      word.count += 1;
      if (mixed && (word.display === null || token < word.display)) word.display = token;
      words.set(key, word);
    }
  }
  return [...words.values()];
}

/**
 * Abbreviations that people type but NHS names spell out: counties, compass points and a few more (those NHS
 * names use themselves, such as "Herts", are found as they are). An expansion may be several words.
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  ne: 'north east',
  nw: 'north west',
  se: 'south east',
  sw: 'south west',
  gtr: 'greater',
  mids: 'midlands',
  beds: 'bedfordshire',
  berks: 'berkshire',
  bucks: 'buckinghamshire',
  cambs: 'cambridgeshire',
  derbys: 'derbyshire',
  glos: 'gloucestershire',
  hants: 'hampshire',
  lancs: 'lancashire',
  leics: 'leicestershire',
  lincs: 'lincolnshire',
  northants: 'northamptonshire',
  notts: 'nottinghamshire',
  oxon: 'oxfordshire',
  shrops: 'shropshire',
  staffs: 'staffordshire',
  warks: 'warwickshire',
  wilts: 'wiltshire',
  worcs: 'worcestershire',
  yorks: 'yorkshire',
};

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
 * letters ("ei" for "ie") each count one. Stops early and returns `limit + 1` once the distance must exceed
 * `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    current[0] = i;
    let rowBest = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      rowBest = Math.min(rowBest, d);
    }
    if (rowBest > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * How far a word may be from a name's word to be taken for it: none under 4 letters (too many short words
 * are one letter apart), one to 7 letters, two from 8.
 */
export function allowedDistance(word: string): number {
  if (word.length < 4) return 0;
  return word.length < 8 ? 1 : 2;
}

/**
 * The words of the names `key` stands for: the closest word (or, for an abbreviation, the words of its
 * expansion, when the names hold them all); null when none is close enough, or `key` is one of them.
 */
export function closestWords(key: string, words: readonly NameWord[]): NameWord[] | null {
  const byKey = new Map(words.map((w) => [w.key, w]));
  if (byKey.has(key) || /^[0-9]+$/.test(key)) return null;
  const expanded = ABBREVIATIONS[key]?.split(' ').map((k) => byKey.get(k));
  if (expanded?.every((w) => w !== undefined)) return expanded as NameWord[];
  const best = closestWord(key, words);
  return best ? [best] : null;
}

/** The closest word of the names to `key` by spelling, or null when none is close enough. */
export function closestWord(key: string, words: readonly NameWord[]): NameWord | null {
  const limit = allowedDistance(key);
  if (limit === 0) return null;
  let best: NameWord | null = null;
  let bestDistance = limit + 1;
  for (const w of words) {
    const d = editDistance(key, w.key, limit);
    if (d > limit) continue;
    if (d < bestDistance || (d === bestDistance && w.count > best!.count)) {
      best = w;
      bestDistance = d;
    }
  }
  return best;
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * The search with each word no name holds replaced by the closest one that a name does, or null when no word
 * was replaced. `tokens` are the search's words as typed, each with its key (nameKey of the word; '' for
 * one that is all punctuation, dropped). A replaced word is shown as a name writes it; one the user
 * capitalised stays capitalised.
 */
export function suggestSpelling(
  tokens: readonly { text: string; key: string }[],
  words: readonly NameWord[],
): string | null {
  let changed = false;
  const out: string[] = [];
  for (const t of tokens) {
    if (t.key === '') continue;
    const found = t.key.includes(' ') ? null : closestWords(t.key, words);
    if (!found) {
      out.push(t.text);
      continue;
    }
    changed = true;
    for (const w of found) {
      const shown = w.display ?? w.key;
      out.push(/^\p{Lu}/u.test(t.text) ? capitalised(shown) : shown);
    }
  }
  return changed ? out.join(' ') : null;
}
