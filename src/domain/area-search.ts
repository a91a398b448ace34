/**
 * Finding areas by name, code, postcode or place, over the areas held in memory (src/query/area-index.ts):
 * the rules of querySql.searchAreas, which it replaces and against which it is tested, at a few milliseconds a
 * search instead of 25–45 (each search had keyed every name again). Pure.
 */
import type { AreaLevel } from './areas.ts';
import { wordsOfNames, type NameWord } from './spelling.ts';

/**
 * The text as compared with names: lower case, "&" read as "and" (NHS names use both: "Bradford District and
 * Craven", "Bramley, Wortley & Middleton PCN"), apostrophes dropped, every other run of punctuation or
 * space made one space ("St. John's" → "st johns"); letters outside a–z count as punctuation.
 */
export function nameKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/gu, ' and ')
    .replace(/['’‘`]/gu, '')
    .replace(/[^a-z0-9]+/gu, ' ')
    .trim();
}

/** The same text as compared with codes and postcodes: upper case, no spaces ("sw1a 1aa" → "SW1A1AA"). */
export function compactCode(text: string): string {
  return text.replace(/\s+/gu, '').toUpperCase();
}

/** One area as searched: a row of the area table. */
export interface SearchArea {
  level: AreaLevel;
  code: string;
  onsCode: string | null;
  name: string;
  placeName: string | null;
  postcode: string | null;
  isCurrent: boolean;
  parentLevel: AreaLevel | null;
  parentCode: string | null;
}

/** A sub-ICB location's place, former CCG and the local authorities that CCG covered ("A; B"). */
export interface SearchPlace {
  subIcbCode: string;
  placeName: string;
  ccgName: string | null;
  localAuthorities: string | null;
}

interface KeyedPlace {
  place: SearchPlace;
  placeKey: string;
  /** The former CCG and each local authority, keyed, with '|' between them so that no match spans two. */
  otherKeys: string | null;
}

interface KeyedArea {
  area: SearchArea;
  nameKey: string;
  place: KeyedPlace | null;
  /** What a search's words are looked for in: " " + the name, and a sub-ICB location's places. */
  wordText: string;
  code: string;
  ons: string | null;
  /** The postcode upper-cased without its spaces, and its outward code. */
  postcode: string | null;
  outward: string | null;
}

/** The areas and places keyed once, for any number of searches. */
export interface SearchIndex {
  areas: KeyedArea[];
  places: KeyedPlace[];
  byKey: Map<string, SearchArea>;
  /** Every word of the names searched, for spelling suggestions (src/domain/spelling.ts). */
  words: NameWord[];
}

const areaKey = (level: string, code: string) => `${level}|${code}`;

/** The former CCG's name and the local authorities, keyed as names are, '|' kept between them. */
function otherKeysOf(p: SearchPlace): string | null {
  if (p.ccgName === null || p.localAuthorities === null) return null;
  return `${p.ccgName}|${p.localAuthorities.replaceAll('; ', '|')}`
    .toLowerCase()
    .replace(/&/gu, ' and ')
    .replace(/['’‘`]/gu, '')
    .replace(/[^a-z0-9|]+/gu, ' ');
}

export function buildSearchIndex(areas: readonly SearchArea[], places: readonly SearchPlace[]): SearchIndex {
  const keyedPlaces = places.map((place) => ({
    place,
    placeKey: nameKey(place.placeName),
    otherKeys: otherKeysOf(place),
  }));
  const placeOf = new Map(keyedPlaces.map((p) => [p.place.subIcbCode, p]));
  const keyed: KeyedArea[] = [];
  for (const area of areas) {
    if (area.code === 'UNKNOWN') continue;
    const key = nameKey(area.name);
    const place = area.level === 'sub_icb' ? (placeOf.get(area.code) ?? null) : null;
    const postcode = area.postcode === null ? null : area.postcode.toUpperCase().replaceAll(' ', '');
    keyed.push({
      area,
      nameKey: key,
      place,
      wordText:
        ` ${key}` + (place ? ` ${place.placeKey} ${(place.otherKeys ?? '').replaceAll('|', ' ')}` : ''),
      code: area.code.toUpperCase(),
      ons: area.onsCode === null ? null : area.onsCode.toUpperCase(),
      postcode,
      outward: area.postcode === null ? null : area.postcode.trim().split(' ')[0]!.toUpperCase(),
    });
  }
  const names = [
    ...keyed.map((a) => a.area.name),
    ...places.flatMap((p) => [p.placeName, p.ccgName ?? '', ...(p.localAuthorities ?? '').split('; ')]),
  ];
  return {
    areas: keyed,
    places: keyedPlaces,
    byKey: new Map(areas.map((a) => [areaKey(a.level, a.code), a])),
    words: wordsOfNames(names),
  };
}

/** A search as its rules take it (src/query/search.ts makes it from the text typed). */
export interface SearchTerms {
  /** nameKey of the search. */
  key: string;
  /** compactCode of the search (never empty). */
  compact: string;
  /** The outward code when the search is one alone ("LS1"), else null. */
  outward: string | null;
  /** The words each of which a name may hold instead of the whole search (searchWordsOf), or null. */
  words: readonly string[] | null;
  limit: number;
}

export interface SearchHit {
  area: SearchArea;
  parent: SearchArea | null;
  /** ICBs and regions found by the sub-ICB locations they hold: those locations' place names. */
  contains: string[] | null;
  /** 0 an exact code … 8 the search's words apart; 7 found by the places it holds. */
  matchRank: number;
}

const LEVEL_ORDER: Record<AreaLevel, number> = {
  england: 0,
  region: 1,
  icb: 2,
  sub_icb: 3,
  pcn: 4,
  practice: 5,
};

const holdsWords = (text: string, words: readonly string[]) => words.every((w) => text.includes(` ${w}`));

/** Every area the search finds (`total`) and the best `limit` of them, best first. */
export function searchIndex(index: SearchIndex, t: SearchTerms): { total: number; hits: SearchHit[] } {
  const { key, compact, words } = t;
  // Places matched by the whole search (whole), or by its words.
  const matchedPlaces = new Map<string, { keyed: KeyedPlace; whole: boolean }>();
  if (key !== '') {
    for (const p of index.places) {
      const whole = p.placeKey.includes(key) || (p.otherKeys !== null && p.otherKeys.includes(key));
      const byWords =
        words !== null && holdsWords(` ${p.placeKey} ${(p.otherKeys ?? '').replaceAll('|', ' ')}`, words);
      if (whole || byWords) matchedPlaces.set(p.place.subIcbCode, { keyed: p, whole });
    }
  }
  // An outward code typed alone is that district when a practice has it, else the start of postcodes.
  const district =
    t.outward !== null && index.areas.some((a) => a.area.level === 'practice' && a.outward === t.outward);

  const found = new Map<string, { area: SearchArea; contains: string[] | null; matchRank: number }>();
  for (const a of index.areas) {
    const mp = a.area.level === 'sub_icb' ? matchedPlaces.get(a.area.code) : undefined;
    const codeStarts = a.code.startsWith(compact);
    const postcodeMatch = district
      ? a.outward === t.outward
      : a.postcode !== null && a.postcode.startsWith(compact);
    const matches =
      (key !== '' && a.nameKey.includes(key)) ||
      (words !== null && holdsWords(a.wordText, words)) ||
      mp !== undefined ||
      codeStarts ||
      a.ons === compact ||
      postcodeMatch;
    if (!matches) continue;
    let rank: number;
    if (a.code === compact || a.ons === compact) rank = 0;
    else if (a.postcode === compact) rank = 1;
    else if (codeStarts) rank = 2;
    else if (a.postcode !== null && a.postcode.startsWith(compact)) rank = 3;
    else if (a.nameKey === key || mp?.keyed.placeKey === key) rank = 4;
    else if (a.nameKey.startsWith(key) || mp?.keyed.placeKey.startsWith(key)) rank = 5;
    else if ((key !== '' && a.nameKey.includes(key)) || mp?.whole) rank = 6;
    else rank = 8;
    found.set(areaKey(a.area.level, a.area.code), { area: a.area, contains: null, matchRank: rank });
  }

  // ICBs and regions holding an open sub-ICB location matched by its places, listed as found directly if
  // they were.
  const holding = new Map<string, { level: AreaLevel; code: string; places: Set<string> }>();
  for (const { keyed } of matchedPlaces.values()) {
    const subIcb = index.byKey.get(areaKey('sub_icb', keyed.place.subIcbCode));
    if (!subIcb?.isCurrent || subIcb.parentCode === null) continue;
    const icb = index.byKey.get(areaKey('icb', subIcb.parentCode));
    if (!icb) continue;
    for (const [level, code] of [
      ['icb', icb.code],
      ['region', icb.parentCode],
    ] as const) {
      if (code === null) continue;
      const k = areaKey(level, code);
      const entry = holding.get(k) ?? { level, code, places: new Set<string>() };
      entry.places.add(keyed.place.placeName);
      holding.set(k, entry);
    }
  }
  for (const [k, h] of holding) {
    if (found.has(k)) continue;
    const area = index.byKey.get(k);
    if (!area) continue;
    found.set(k, { area, contains: [...h.places].sort(compareText), matchRank: 7 });
  }

  const sortKey = (m: { area: SearchArea; matchRank: number }) => [
    m.matchRank === 0 ? 0 : 1,
    m.area.isCurrent ? 0 : 1,
    m.matchRank === 7 ? 3.5 : LEVEL_ORDER[m.area.level],
    m.area.level === 'icb' ? 0 : 1,
    m.matchRank,
  ];
  const all = [...found.values()].sort((x, y) => {
    const kx = sortKey(x);
    const ky = sortKey(y);
    for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return kx[i]! - ky[i]!;
    return (
      compareText(x.area.placeName ?? x.area.name, y.area.placeName ?? y.area.name) ||
      compareText(x.area.code, y.area.code)
    );
  });
  return {
    total: all.length,
    hits: all.slice(0, t.limit).map((m) => ({
      ...m,
      parent:
        m.area.parentLevel && m.area.parentCode
          ? (index.byKey.get(areaKey(m.area.parentLevel, m.area.parentCode)) ?? null)
          : null,
    })),
  };
}

/** Text in the database's order: by character codes, not by locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
