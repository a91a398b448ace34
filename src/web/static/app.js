// Starts nhsuk-frontend's components (header menu, details, etc.). Pages work fully without it.
// The server rewrites this import to the versioned URL of the same file.
/* global document, window */
import { initAll } from '/assets/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();

// On paper every chart's table is shown: a reader cannot open "Show as a table" on a printed page.
const opened = [];
window.addEventListener('beforeprint', () => {
  for (const d of document.querySelectorAll('details:not([open])')) {
    d.open = true;
    opened.push(d);
  }
});
window.addEventListener('afterprint', () => {
  for (const d of opened.splice(0)) d.open = false;
});
