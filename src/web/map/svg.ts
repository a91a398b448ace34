/**
 * The choropleth as inline SVG: each area a link to its page with an accessible name and a <title> (the
 * tooltip) giving its name and value; areas without a value hatched. Colours come from CSS classes (the
 * CSP forbids inline styles); every text is escaped. Pure: shapes and labels in, SVG string out.
 */
import { escapeXml } from '../charts/line-chart.ts';

export interface ChoroplethArea {
  code: string;
  /** SVG path data in the map's pixel space. */
  d: string;
  href: string;
  /** Accessible name and tooltip, e.g. "Cheshire and Merseyside ICB: 123.4 per 1,000 patients aged 13+". */
  label: string;
  /** Palette shade (0–4) of the area's class, or null for an area with no value (hatched). */
  shade: number | null;
}

export interface ChoroplethOptions {
  /** Prefix for element ids. */
  id: string;
  /** Short accessible name of the map. */
  title: string;
  /** Longer description (the plain-English summary). */
  desc: string;
  width: number;
  height: number;
  areas: ChoroplethArea[];
  /** Shapes of the boundary file that match no area: drawn as blank outlines, hidden from screen readers. */
  unmatched?: { d: string }[];
}

function safeId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `map-${cleaned}`;
}

export function renderChoropleth(o: ChoroplethOptions): string {
  const id = safeId(o.id);
  const hatch = `${id}-hatch`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="app-map__svg" viewBox="0 0 ${o.width} ${o.height}"` +
      ` width="${o.width}" height="${o.height}" role="group" aria-labelledby="${id}-title"` +
      ` aria-describedby="${id}-desc"` +
      ` data-map="${id}">`,
    `<title id="${id}-title">${escapeXml(o.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(o.desc)}</desc>`,
    `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" class="app-map-hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="app-map-hatch-line"/>` +
      `</pattern></defs>`,
  ];
  if (o.unmatched && o.unmatched.length > 0) {
    parts.push(
      `<g class="app-map__unmatched" aria-hidden="true">${o.unmatched
        .map((u) => `<path class="app-map-area app-map-unmatched" d="${escapeXml(u.d)}"/>`)
        .join('')}</g>`,
    );
  }
  parts.push('<g class="app-map__areas">');
  for (const a of o.areas) {
    // No value: the hatch pattern, as a presentation attribute (CSS classes give the shades).
    const fill =
      a.shade === null
        ? `class="app-map-area app-map-nodata" fill="url(#${hatch})"`
        : `class="app-map-area app-map-fill-${Math.trunc(a.shade)}"`;
    const label = escapeXml(a.label);
    parts.push(
      `<a href="${escapeXml(a.href)}" aria-label="${label}" data-code="${escapeXml(a.code)}">` +
        `<title>${label}</title><path ${fill} d="${escapeXml(a.d)}"/></a>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('');
}
