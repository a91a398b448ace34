/**
 * The API documentation page (issue 14.6), rendered on the server from the OpenAPI document itself
 * (/api/v1/openapi.json), so it works without JavaScript and cannot drift from what the routes accept. An
 * interactive explorer (Swagger UI, served from this site) sits beside it for those who want to try calls.
 */

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: {
    type?: string;
    enum?: unknown[];
    pattern?: string;
    minimum?: number;
    maximum?: number;
    default?: unknown;
  };
}

interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  responses?: Record<string, { description?: string; content?: Record<string, { example?: unknown }> }>;
}

interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

export interface ApiParameterView {
  name: string;
  where: string;
  required: boolean;
  accepts: string;
  description: string;
}

export interface ApiOperationView {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  parameters: ApiParameterView[];
  responses: { status: string; description: string; types: string }[];
  /** A call a user can paste into a terminal (required parameters filled with an example). */
  example: string;
  /** The example answer, pretty-printed (shortened). */
  exampleAnswer: string | null;
}

export interface ApiDocsView {
  title: string;
  version: string;
  description: string;
  groups: { name: string; description: string; operations: ApiOperationView[] }[];
  openApiUrl: string;
}

const EXAMPLE_VALUES: Record<string, string> = {
  metric: 'unique_logins_per_1000',
  level: 'icb',
  code: 'QWO',
  id: 'unique_logins_per_1000',
  grain: 'month',
  within: 'icb:QWO',
  measure: 'rep-cons-01',
  from: '2026-10-01',
  to: '2026-10-31',
  month: '2026-10',
};

function accepts(p: OpenApiParameter): string {
  const s = p.schema ?? {};
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`;
  const parts = [s.type ?? 'string'];
  if (s.minimum !== undefined || s.maximum !== undefined)
    parts.push(`${s.minimum ?? ''}–${s.maximum ?? ''}`.replace(/^–/, 'up to ').replace(/–$/, ' or more'));
  if (s.default !== undefined) parts.push(`default ${String(s.default)}`);
  return parts.join(', ');
}

function exampleValue(p: OpenApiParameter): string {
  if (EXAMPLE_VALUES[p.name]) return EXAMPLE_VALUES[p.name]!;
  if (p.schema?.enum && p.schema.enum.length > 0) return String(p.schema.enum[0]);
  return p.name;
}

function exampleCall(baseUrl: string, path: string, method: string, params: OpenApiParameter[]): string {
  let url = path;
  const query: string[] = [];
  for (const p of params) {
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(exampleValue(p)));
    else if (p.in === 'query' && p.required) query.push(`${p.name}=${encodeURIComponent(exampleValue(p))}`);
  }
  const full = `${baseUrl}${url}${query.length ? `?${query.join('&')}` : ''}`;
  const verb = method === 'get' ? '' : `-X ${method.toUpperCase()} `;
  return `curl ${verb}-H "Authorization: Bearer $NHSAA_TOKEN" "${full}"`;
}

const MAX_EXAMPLE_CHARS = 1_500;

function exampleAnswer(op: OpenApiOperation): string | null {
  const example = op.responses?.['200']?.content?.['application/json']?.example;
  if (example === undefined) return null;
  const text = JSON.stringify(example, null, 2);
  return text.length > MAX_EXAMPLE_CHARS ? `${text.slice(0, MAX_EXAMPLE_CHARS)}\n…` : text;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function buildApiDocsView(doc: unknown, baseUrl: string, openApiUrl: string): ApiDocsView {
  const d = doc as OpenApiDocument;
  const tagOrder = (d.tags ?? []).map((t) => t.name);
  const groups = new Map<string, ApiOperationView[]>();
  for (const [path, methods] of Object.entries(d.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'Other';
      const params = op.parameters ?? [];
      const view: ApiOperationView = {
        id: slug(op.operationId ?? `${method}-${path}`),
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
        description: op.description ?? '',
        parameters: params.map((p) => ({
          name: p.name,
          where: p.in,
          required: p.required === true,
          accepts: accepts(p),
          description: p.description ?? '',
        })),
        responses: Object.entries(op.responses ?? {}).map(([status, r]) => ({
          status,
          description: r.description ?? '',
          types: Object.keys(r.content ?? {}).join(', '),
        })),
        example: exampleCall(baseUrl, path, method, params),
        exampleAnswer: exampleAnswer(op),
      };
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push(view);
    }
  }
  const order = (name: string) => {
    const i = tagOrder.indexOf(name);
    return i === -1 ? tagOrder.length : i;
  };
  return {
    title: d.info?.title ?? 'API',
    version: d.info?.version ?? '',
    description: d.info?.description ?? '',
    openApiUrl,
    groups: [...groups.entries()]
      .sort((a, b) => order(a[0]) - order(b[0]))
      .map(([name, operations]) => ({
        name,
        description: d.tags?.find((t) => t.name === name)?.description ?? '',
        operations,
      })),
  };
}
