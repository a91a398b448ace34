/**
 * `npm run routes`: writes docs/routes.md from the routes the app registers (scripts/route-map.ts).
 */
import fs from 'node:fs';
import process from 'node:process';
import { generateRouteMap, ROUTE_MAP_PATH } from './route-map.ts';

const { markdown, undescribed } = await generateRouteMap();
fs.writeFileSync(ROUTE_MAP_PATH, markdown);
const rows = markdown.split('\n').filter((l) => /^\| [A-Z]+ \| `/.test(l)).length;
process.stdout.write(`docs/routes.md: ${rows} routes\n`);
if (undescribed.length > 0) {
  process.stderr.write(
    `no description for: ${undescribed.join(', ')}\n` +
      'write one in its row of docs/routes.md (or give the route a schema summary) and run npm run routes again\n',
  );
  process.exitCode = 1;
}
