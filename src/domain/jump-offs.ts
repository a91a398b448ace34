/**
 * How a partner service's jump-off name reads on a page. The App's events and the NHS's WeeklyIntegratedPartners
 * feed name services in camelCase (`onlineConsultation`, `manageYourReferral`); the original workbook showed
 * them in sentence case ("Online consultation"), and so do the pages. Downloads keep the names as delivered, so
 * that they join with the feed. Pure.
 */

/**
 * "onlineConsultation" → "Online consultation", "vaccineRecordP5" → "Vaccine record P5", "NHSLogin" → "NHS
 * login". A name that is not one camelCase word (it has spaces or punctuation) is kept, its first letter
 * capitalised.
 */
export function jumpOffServiceLabel(service: string): string {
  if (service === '') return service;
  if (!/^[A-Za-z0-9]+$/.test(service)) return service.charAt(0).toUpperCase() + service.slice(1);
  // Words: an acronym (capitals not followed by a lower-case letter), a capitalised or lower-case word, digits.
  const words = service.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [service];
  return words
    .map((w, i) => {
      // Acronyms and codes keep their capitals; a letter followed by digits (P5) is one code.
      if (/^[A-Z]{2,}$/.test(w)) return w;
      const lower = w.toLowerCase();
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(' ')
    .replace(
      /\b([A-Za-z]) (\d+)\b/g,
      (_, letter: string, digits: string) => `${letter.toUpperCase()}${digits}`,
    );
}
