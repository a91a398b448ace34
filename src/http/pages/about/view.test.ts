/** The About page's view model. Pure. */
import { describe, expect, it } from 'vitest';
import { buildAboutView, describeCron } from './view.ts';

describe('About view', () => {
  it('describes simple cron schedules in words and leaves others as they are', () => {
    expect(describeCron('30 7 * * 3')).toBe('every Wednesday at 7:30am');
    expect(describeCron('0 18 * * 1,4')).toBe('every Monday and Thursday at 6:00pm');
    expect(describeCron('5 0 * * *')).toBe('every day at 12:05am');
    expect(describeCron('0 12 2 * *')).toBe('on the 2nd of every month at 12:00pm');
    expect(describeCron('*/5 * * * *')).toBeNull();
    expect(describeCron('0 7 * 1 3')).toBeNull();
  });

  it('lists complete and partial periods of each grain', () => {
    const view = buildAboutView({
      status: { refreshedAt: null, firstDay: '2026-01-01', lastDay: '2026-03-04', demo: null },
      refreshSchedule: '30 7 * * 3',
      builds: [],
    });
    const [months, weeks] = view.periods;
    expect(months).toMatchObject({
      firstComplete: 'January 2026',
      lastComplete: 'February 2026',
      completeCount: 2,
    });
    expect(months!.partial).toBe('March 2026');
    // 1 January 2026 is a Thursday: the first whole week starts on Monday 5 January; 2 March is partial.
    expect(weeks!.firstComplete).toMatch(/^Week commencing 5 January 2026/);
    expect(weeks!.partial).toMatch(/29 December 2025.*2 March 2026/);
    expect(view.schedule.text).toBe('Every Wednesday at 7:30am, UK time (Europe/London)');
  });
});
