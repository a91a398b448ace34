/**
 * The small geography of the build tests (DuckDB and ClickHouse), in two practice-map releases: ICBs QA1 and
 * QA2 merge into QA9 in August; P00004 closes; P00005 opens.
 */
export type ReleaseRow = [practice: string, pcn: string, subIcb: string, icb: string, region: string];

export const RELEASES: Readonly<Record<string, ReleaseRow[]>> = {
  '2026-01-01': [
    ['P00001', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00002', 'U00001', '00A', 'QA1', 'Y56'],
    ['P00003', 'U00002', '00B', 'QA2', 'Y56'],
    ['P00004', 'U00003', '00C', 'QA3', 'Y58'],
  ],
  '2026-08-01': [
    ['P00001', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00002', 'U00001', '00A', 'QA9', 'Y56'],
    ['P00003', 'U00002', '00B', 'QA9', 'Y56'],
    ['P00005', 'U00003', '00C', 'QA3', 'Y58'],
  ],
};
