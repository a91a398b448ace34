import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, formatViolations, launchBrowser } from './browser.ts';

// Guards against vacuous "zero violations" passes: the harness must find a real problem when there is one.
describe('browser harness', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reports axe violations readably', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent(
      '<html><head><title>t</title></head><body><main><img src="data:,"><a href="/"></a><p style="color:#bbb;background:#fff">faint</p></main><div>outside every landmark</div></body></html>',
    );
    const violations = await axeViolations(page);
    const ids = violations.map((v) => v.id);
    expect(ids).toEqual(
      expect.arrayContaining(['html-has-lang', 'image-alt', 'link-name', 'color-contrast']),
    );
    // The best-practice rules run beside WCAG's: content outside landmarks ('region'). AAA rules do not: the faint
    // text fails the AAA contrast rule too ('color-contrast-enhanced'), which is not asked for.
    expect(ids).toContain('region');
    expect(ids).not.toContain('color-contrast-enhanced');
    const text = formatViolations(violations);
    expect(text).toMatch(/image-alt: Images must have alternative text/);
    expect(text).toMatch(/https:\/\/dequeuniversity\.com/);
    await context.close();
  });
});
