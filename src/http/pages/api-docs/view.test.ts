/** The API documentation's view model: operations grouped by tag, with example calls that fill in what they need. */
import { describe, expect, it } from 'vitest';
import { buildApiDocsView } from './view.ts';

describe('buildApiDocsView', () => {
  it('groups by tag in the document order and fills path and required parameters in examples', () => {
    const view = buildApiDocsView(
      {
        info: { title: 'T', version: '1' },
        tags: [{ name: 'B' }, { name: 'A' }],
        paths: {
          '/x/{level}': {
            get: {
              tags: ['A'],
              operationId: 'getX',
              parameters: [
                { name: 'level', in: 'path', required: true, schema: { enum: ['icb'] } },
                { name: 'q', in: 'query', required: true },
                { name: 'opt', in: 'query' },
              ],
            },
          },
          '/y': { post: { tags: ['B'] } },
        },
      },
      'https://h',
      '/o.json',
    );
    expect(view.groups.map((g) => g.name)).toEqual(['B', 'A']);
    expect(view.groups[1]!.operations[0]!.example).toBe(
      'curl -H "Authorization: Bearer $NHSAA_TOKEN" "https://h/x/icb?q=q"',
    );
    expect(view.groups[0]!.operations[0]!.example).toContain('-X POST');
  });
});
