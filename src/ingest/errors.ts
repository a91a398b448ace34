import path from 'node:path';

/** One thing wrong with an input file: where (file, line, field) and why. */
export interface IngestProblem {
  /** The file as given; messages show its base name. */
  file: string;
  /** 1-based physical line number in the (decompressed) file, when the problem is on a line. */
  line?: number;
  /** The column name, when the problem is in one field. */
  field?: string;
  reason: string;
}

/** Formats a problem as `gp-reg-pat-prac-map.csv line 17, field PRACTICE_CODE: <reason>`. */
export function formatProblem(problem: IngestProblem): string {
  let where = path.basename(problem.file);
  if (problem.line !== undefined) where += ` line ${problem.line}`;
  if (problem.field !== undefined) where += `${problem.line !== undefined ? ',' : ''} field ${problem.field}`;
  return `${where}: ${problem.reason}`;
}

/**
 * A file was rejected. It carries the first problem as { file, line, field, reason } and, when several rows were
 * wrong, every problem collected (up to a limit) in `problems`; `totalProblems` counts them all.
 * The message has one line per problem collected.
 */
export class IngestError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly reason: string;
  readonly problems: readonly IngestProblem[];
  readonly totalProblems: number;

  constructor(problem: IngestProblem | readonly IngestProblem[], totalProblems?: number) {
    const problems = Array.isArray(problem)
      ? [...(problem as readonly IngestProblem[])]
      : [problem as IngestProblem];
    const first = problems[0];
    if (!first) throw new TypeError('IngestError needs at least one problem');
    const total = Math.max(totalProblems ?? problems.length, problems.length);
    let message = problems.map(formatProblem).join('\n');
    if (total > problems.length) message += `\n… and ${total - problems.length} more problem(s)`;
    super(message);
    this.name = 'IngestError';
    this.file = first.file;
    this.line = first.line;
    this.field = first.field;
    this.reason = first.reason;
    this.problems = problems;
    this.totalProblems = total;
  }
}

/** Collects problems while a whole file is validated, keeping the first `limit`; `throwIfAny` rejects the file. */
export class ProblemCollector {
  private readonly kept: IngestProblem[] = [];
  private total = 0;

  constructor(
    readonly file: string,
    readonly limit = 20,
  ) {}

  add(line: number | undefined, field: string | undefined, reason: string): void {
    this.total += 1;
    if (this.kept.length < this.limit) {
      const problem: IngestProblem = { file: this.file, reason };
      if (line !== undefined) problem.line = line;
      if (field !== undefined) problem.field = field;
      this.kept.push(problem);
    }
  }

  get count(): number {
    return this.total;
  }

  /** True once `limit` problems are kept: callers may stop reading the file. */
  get full(): boolean {
    return this.kept.length >= this.limit;
  }

  throwIfAny(): void {
    if (this.total > 0) throw new IngestError(this.kept, this.total);
  }
}
