import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
}
interface Operation {
  tags?: string[];
  summary?: string;
  security?: unknown[];
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
}

let fixture: StorageFixture;
let api: ApiHarness;
let document: Document;

beforeAll(async () => {
  fixture = await startStorageFixture();
  api = await startApi(fixture, [await tissuenet()]);
  const response = await api.call('GET', '/openapi.json');
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
});
afterAll(() => fixture.close());

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe('GET /openapi.json', () => {
  it('documents every route the app serves, and nothing it does not', async () => {
    const served = new Set(
      [...api.app.routes, ...(await api.app.lazyRoutes())]
        .filter((route) => route.method !== 'ALL' && !['/health', '/openapi.json', '/docs'].includes(route.path))
        .map((route) => `${route.method} ${route.path.replaceAll(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    expect(documented).toEqual(served);
    expect(documented.size).toBeGreaterThan(30);
  });

  it('gives each operation its path parameters, required, with the schema that validates them', () => {
    for (const { path, method, operation } of operations()) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const inPath = operation.parameters.filter((parameter) => parameter.in === 'path');
      expect(
        inPath.map((parameter) => parameter.name),
        `${method} ${path}`,
      ).toEqual(templated);
      for (const parameter of inPath) expect(parameter.required).toBe(true);
      expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(operation.summary, `${method} ${path}`).toBeTruthy();
    }
    const leaderboard = document.paths['/challenges/{challengeId}/phases/{phaseId}/leaderboard']!.get!;
    expect(leaderboard.parameters.find((parameter) => parameter.name === 'challengeId')!.schema).toMatchObject({
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$',
    });
  });

  it('describes the submission create: optional Idempotency-Key header, required body, named schemas in components', () => {
    const create = document.paths['/challenges/{challengeId}/phases/{phaseId}/submissions']!.post!;
    expect(create.parameters.find((parameter) => parameter.in === 'header')).toMatchObject({ name: 'idempotency-key', required: false });
    expect(create.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateSubmission' } } },
    });
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '429']));
    expect(create.responses['429']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(document.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error', 'message'],
      properties: { error: { type: 'string', example: 'QUOTA_EXCEEDED' } },
    });
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('has every $ref resolve to a component', () => {
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of new Set(references)) {
      expect(reference).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas[reference.replace('#/components/schemas/', '')], reference).toBeDefined();
    }
  });

  it('describes every success body field by field: no route answers an untyped object', () => {
    const resolve = (schema: Record<string, unknown>) =>
      typeof schema.$ref === 'string' ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]! : schema;
    const untyped: string[] = [];
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content?.['application/json']?.schema;
        if (!status.startsWith('2') || !schema) continue;
        const body = resolve(schema);
        // An object is described when it names its properties (or is a union of described shapes).
        const described = body.properties !== undefined || body.oneOf !== undefined || body.anyOf !== undefined;
        if (!described) untyped.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
    expect(untyped).toEqual([]);
    expect(document.components.schemas.Submission).toMatchObject({
      required: expect.arrayContaining(['id', 'status', 'mode']),
      properties: { status: { enum: expect.arrayContaining(['QUEUED', 'SCORED', 'FAILED']) } },
    });
  });
});
