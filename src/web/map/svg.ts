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
  /** Drawn with an approximate boundary (older areas' shapes): a dashed outline. */
  approximate?: boolean;
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
  /** Boxes marking the insets' extents (hidden from screen readers: the insets have their own links). */
  boxes?: { x: number; y: number; width: number; height: number }[];
  /**
   * An inset: a second drawing of areas the main map already has, so hidden from screen readers and out of
   * the tab order (pointer users can still select an area in it; keyboard users zoom to the region instead).
   */
  hidden?: boolean;
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
      ` width="${o.width}" height="${o.height}"` +
      (o.hidden
        ? ` aria-hidden="true" focusable="false" data-map-inset="${id}">`
        : ` role="group" aria-labelledby="${id}-title" aria-describedby="${id}-desc" data-map="${id}">`),
    o.hidden ? '' : `<title id="${id}-title">${escapeXml(o.title)}</title>`,
    o.hidden ? '' : `<desc id="${id}-desc">${escapeXml(o.desc)}</desc>`,
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
    const approx = a.approximate ? ' app-map-approx' : '';
    const fill =
      a.shade === null
        ? `class="app-map-area app-map-nodata${approx}" fill="url(#${hatch})"`
        : `class="app-map-area app-map-fill-${Math.trunc(a.shade)}${approx}"`;
    const label = escapeXml(a.label);
    parts.push(
      `<a href="${escapeXml(a.href)}"${o.hidden ? ' tabindex="-1"' : ` aria-label="${label}"`} data-code="${escapeXml(a.code)}">` +
        `<title>${label}</title><path ${fill} d="${escapeXml(a.d)}"/></a>`,
    );
  }
  parts.push('</g>');
  if (o.boxes && o.boxes.length > 0) {
    const r = (v: number) => Math.round(v * 10) / 10;
    parts.push(
      `<g class="app-map__boxes" aria-hidden="true">${o.boxes
        .map(
          (b) =>
            `<rect class="app-map-inset-box" x="${r(b.x - 3)}" y="${r(b.y - 3)}" width="${r(b.width + 6)}" height="${r(b.height + 6)}"/>`,
        )
        .join('')}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
