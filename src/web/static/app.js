// Starts nhsuk-frontend's components (header menu, details, etc.). Pages work fully without it.
// The server rewrites this import to the versioned URL of the same file.
/* global document */
import { initAll } from '/assets/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
