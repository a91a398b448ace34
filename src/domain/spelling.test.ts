import { describe, expect, it } from 'vitest';
import {
  allowedDistance,
  closestWord,
  closestWords,
  editDistance,
  suggestSpelling,
  wordsOfNames,
  type NameWord,
} from './spelling.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours one each', () => {
    expect(editDistance('sheffield', 'sheffield')).toBe(0);
    expect(editDistance('middlesborough', 'middlesbrough')).toBe(1); // one letter too many
    expect(editDistance('glocester', 'gloucester')).toBe(1); // one letter missing
    expect(editDistance('bolten', 'bolton')).toBe(1); // one letter wrong
    expect(editDistance('sheffeild', 'sheffield')).toBe(1); // "ei" for "ie"
    expect(editDistance('bradfrod', 'bradford')).toBe(1);
    expect(editDistance('', 'leeds')).toBe(5);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    // Swapped neighbours twice over, and a swap beside a change.
    expect(editDistance('abcd', 'badc')).toBe(2);
    expect(editDistance('ca', 'abc')).toBe(3); // optimal string alignment: no edit of a swapped pair
  });

  it('stops past the limit', () => {
    expect(editDistance('leeds', 'sheffield', 2)).toBe(3);
    expect(editDistance('bolton', 'boltons', 0)).toBe(1);
    expect(editDistance('bolton', 'bolton', 0)).toBe(0);
  });

  it('allows no change under 4 letters, one to 7 letters, two from 8', () => {
    expect([3, 4, 7, 8, 14].map((n) => allowedDistance('x'.repeat(n)))).toEqual([0, 1, 1, 2, 2]);
  });
});

const words: NameWord[] = [
  { key: 'sheffield', display: 'Sheffield', count: 5 },
  { key: 'middlesbrough', display: 'Middlesbrough', count: 3 },
  { key: 'kirkstall', display: null, count: 1 },
  { key: 'lane', display: 'Lane', count: 40 },
  { key: 'lincolnshire', display: 'Lincolnshire', count: 4 },
  { key: 'bolton', display: 'Bolton', count: 6 },
  { key: 'belton', display: null, count: 1 },
  { key: 'and', display: 'and', count: 90 },
];

describe('closestWord', () => {
  it('takes the closest word within the distance allowed', () => {
    expect(closestWord('sheffeild', words)?.key).toBe('sheffield');
    expect(closestWord('middlesborough', words)?.key).toBe('middlesbrough');
    expect(closestWord('sheffxxxd', words)).toBeNull(); // three changes
    expect(closestWord('lame', words)?.key).toBe('lane');
  });

  it('prefers the commoner of two equally close words', () => {
    // "boltan" is one letter from bolton (6 names) and two from belton (1): bolton. "bilton" is one from each.
    expect(closestWord('boltan', words)?.key).toBe('bolton');
    expect(closestWord('bilton', words)?.key).toBe('bolton');
  });

  it('leaves words the names hold, numbers and short words alone, and expands abbreviations', () => {
    const keys = (key: string) => closestWords(key, words)?.map((w) => w.key) ?? null;
    expect(keys('bolton')).toBeNull();
    expect(keys('1234')).toBeNull();
    expect(keys('ane')).toBeNull(); // under 4 letters, though one from "and"
    expect(keys('sheffeild')).toEqual(['sheffield']);
    expect(keys('lincs')).toEqual(['lincolnshire']);
    expect(keys('notts')).toBeNull(); // no name holds nottinghamshire here
    const compass: NameWord[] = [...words, { key: 'north', display: 'North', count: 9 }];
    expect(closestWords('nw', compass)).toBeNull(); // no name holds "west"
    compass.push({ key: 'west', display: 'West', count: 9 });
    expect(closestWords('nw', compass)?.map((w) => w.key)).toEqual(['north', 'west']);
    expect(
      suggestSpelling(
        [
          { text: 'NW', key: 'nw' },
          { text: 'Bolton', key: 'bolton' },
        ],
        compass,
      ),
    ).toBe('North West Bolton');
  });
});

describe('suggestSpelling', () => {
  const tokens = (text: string) =>
    text.split(' ').map((t) => ({
      text: t,
      key: t
        .toLowerCase()
        .replace(/&/gu, ' and ')
        .replace(/[^a-z0-9]+/gu, ' ')
        .trim(),
    }));

  it('corrects each misspelt word, as the names write it, keeping the rest as typed', () => {
    expect(suggestSpelling(tokens('Sheffeild'), words)).toBe('Sheffield');
    expect(suggestSpelling(tokens('middlesborough'), words)).toBe('Middlesbrough');
    expect(suggestSpelling(tokens('Kirkstal Lane'), words)).toBe('Kirkstall Lane');
    expect(suggestSpelling(tokens('kirkstal lane'), words)).toBe('kirkstall lane');
    expect(suggestSpelling(tokens('Bolton & Lincs'), words)).toBe('Bolton & Lincolnshire');
  });

  it('suggests nothing when no word is corrected', () => {
    expect(suggestSpelling(tokens('Bolton Lane'), words)).toBeNull();
    expect(suggestSpelling(tokens('xyzzy'), words)).toBeNull();
    expect(suggestSpelling(tokens('--'), words)).toBeNull();
  });
});

describe('wordsOfNames', () => {
  it('counts each word, keyed as searches are, shown as a name not in capitals writes it', () => {
    const words = wordsOfNames(['ST JOHN’S SURGERY', "St John's Wood", 'Kent & Medway', 'KENT']);
    const byKey = new Map(words.map((w) => [w.key, w]));
    expect(byKey.get('johns')).toEqual({ key: 'johns', display: "John's", count: 2 });
    expect(byKey.get('surgery')).toEqual({ key: 'surgery', display: null, count: 1 });
    expect(byKey.get('kent')).toEqual({ key: 'kent', display: 'Kent', count: 2 });
    expect(byKey.get('and')).toEqual({ key: 'and', display: 'and', count: 1 });
    expect(words).toHaveLength(7); // st, johns, surgery, wood, kent, and, medway
  });
});
