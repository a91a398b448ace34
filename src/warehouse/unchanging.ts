/**
 * What is read from a database that cannot change (a version of the published figures, opened read-only:
 * Warehouse.unchangingData) is read once and kept with that version; from a warehouse that can change it is
 * read every time. For small answers every request asks for (the data status, the data version, the area
 * table's digest): 1–3 ms each on the national cube, on every page and API answer (issue 15.3).
 */
import type { Warehouse } from './db.ts';

const held = new WeakMap<object, Map<string, Promise<unknown>>>();

export function readOnce<T>(db: Warehouse, name: string, read: () => Promise<T>): Promise<T> {
  // Taken before the read starts: a swap in between stores the newer version's answer under the retired one,
  // which no later request asks for.
  const fixed = db.unchangingData();
  if (!fixed) return read();
  let answers = held.get(fixed);
  if (!answers) held.set(fixed, (answers = new Map()));
  let answer = answers.get(name) as Promise<T> | undefined;
  if (!answer) {
    const reading = read();
    answers.set(name, reading);
    // A failed read is not kept.
    reading.catch(() => {
      if (answers.get(name) === reading) answers.delete(name);
    });
    answer = reading;
  }
  return answer;
}
