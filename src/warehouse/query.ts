/** A row as the engines give it: column name to value. */
export type Row = Record<string, unknown>;

/**
 * A SQL statement as an object that callers import (issue 9.4, docs/adr/0039-typed-query-objects.md): "go to
 * definition" on `authSql.userFindByEmail` lands on its text, and the row type travels with it where the
 * module declares one. The query modules live in src/warehouse/sql/<concern>.ts.
 */

/**
 * One named statement. `R` is the row it returns; a query defined without one returns plain rows, and its
 * caller may name its own row type (`db.all<MyRow>(q)`). Parameters are positional ($1, $2 …); `params` is
 * how many the text takes.
 */
export interface Query<R extends object = Row> {
  /** `<module>/<statement>`: what logs and errors name. */
  readonly name: string;
  readonly text: string;
  /** The highest $n in the text: the number of values a call must pass. */
  readonly params: number;
  /** Never set: carries the row type. */
  readonly row?: R;
}

/**
 * Defines a query (the query modules call this once per statement, at load), as a tagged template:
 * `` query<Row>('module.name')`SELECT … WHERE x = $1` ``. The tag takes no values, so text built from
 * values (`${…}` inside the template) does not compile: values go in as parameters.
 */
export function query<R extends object = Row>(name: string): (strings: TemplateStringsArray) => Query<R> {
  return (strings) => {
    const text = strings[0]!;
    let params = 0;
    for (const m of text.matchAll(/\$(\d+)\b/g)) params = Math.max(params, Number(m[1]));
    // Written into a string by mistake (`COPY (${q})`), a query would become "[object Object]": say so instead.
    const toString = () => {
      throw new Error(`query ${name} written into a string: use its .text, or pass it to the database`);
    };
    return Object.freeze({ name, text, params, toString });
  };
}

/**
 * A statement as the databases take it: a query object or literal SQL written at the call. A query without a
 * row type also stands for any row type the caller names.
 */
export type Statement<R extends object = Row> = Query<R> | Query<Row> | string;

/** Any statement, whatever its row type (what the engines' wrappers pass on). */
export type StatementLike = string | Pick<Query<object>, 'name' | 'text' | 'params'>;

/**
 * The text to run. A query object called with the wrong number of values fails here, naming the query, rather
 * than deep in the engine with a message about "$3".
 */
export function statementText(statement: StatementLike, params?: unknown): string {
  if (typeof statement === 'string') return statement;
  const given = Array.isArray(params) ? params.length : params === undefined ? 0 : null;
  if (given !== null && given !== statement.params) {
    throw new Error(`query ${statement.name} takes ${statement.params} parameter(s), ${given} given`);
  }
  return statement.text;
}
