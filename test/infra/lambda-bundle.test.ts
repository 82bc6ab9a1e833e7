import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodiumFunction } from '../../infra/constructs/podium-function.ts';
import { API_BUNDLE_BUDGET_BYTES, API_BUNDLE_INIT_BUDGET_BYTES, bundleLambda } from '../../infra/lambda-bundle.ts';

// The deployed API bundle (the same `bundleLambda` call CDK makes), imported in a fresh Node
// process and called with API Gateway events: the bundling choices must not change behaviour.
let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podium-lambda-bundle-'));
  metafile = await bundleLambda('functions/api/lambda.ts', join(dir, 'api'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Imports the bundle in a fresh process and returns the handler's answers to GET requests on `paths`. */
function invoke(paths: string[]): { statusCode: number; body: string }[] {
  const events = paths.map((path) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.org' },
    requestContext: {
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      domainName: 'api.example.org',
      stage: '$default',
      requestId: 'r',
      routeKey: '$default',
      accountId: '1',
      apiId: 'a',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  }));
  const script = `const { handler } = await import(${JSON.stringify(join(dir, 'api', 'index.mjs'))});
const answers = [];
for (const event of ${JSON.stringify(events)}) answers.push(await handler(event, {}));
console.log(JSON.stringify(answers));`;
  // The names the API function's definition declares (bindTable, bindBucket in the platform stack).
  const API_STORAGE_NAMES = {
    PODIUM_TABLE: 'podium',
    PODIUM_DATASETS_BUCKET: 'podium-datasets',
    PODIUM_SUBMISSIONS_BUCKET: 'podium-submissions',
    PODIUM_PREDICTIONS_BUCKET: 'podium-predictions',
  };
  const env = {
    ...process.env,
    PODIUM_JWKS_URL: 'https://example.invalid/jwks.json',
    PODIUM_JWT_ISSUER: 'https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_example',
    PODIUM_JWT_AUDIENCE: 'client',
    AWS_REGION: 'eu-west-3',
    ...API_STORAGE_NAMES,
  };
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** The entry and every chunk it imports statically: what a cold start loads. */
function loadedAtInit(): Set<string> {
  const entry = Object.keys(metafile.outputs).find((output) => output.endsWith('/index.mjs'))!;
  const loaded = new Set<string>();
  const visit = (output: string) => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const imported of metafile.outputs[output]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  return loaded;
}

const inputsOf = (predicate: (output: string) => boolean) =>
  Object.entries(metafile.outputs)
    .filter(([output]) => predicate(output))
    .flatMap(([, { inputs }]) => Object.keys(inputs));

describe('API Lambda bundle', () => {
  it('serves the OpenAPI document generated from the route schemas, and rejects invalid input in English', () => {
    const [openapi, invalid] = invoke(['/openapi.json', '/challenges/not%20an%20id/phases/final/leaderboard']);
    expect(openapi!.statusCode).toBe(200);
    const document = JSON.parse(openapi!.body);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/challenges/{challengeId}/phases/{phaseId}/submissions');
    expect(invalid!.statusCode).toBe(400);
    expect(JSON.parse(invalid!.body)).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('path.challengeId: must be letters, digits'),
    });
  });

  it('carries no YAML parser and only the English zod locale', () => {
    const inputs = inputsOf(() => true);
    expect(inputs.filter((input) => input.includes('node_modules/yaml/'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('node_modules/zod/v4/locales/')).map((input) => input.replace(/^.*node_modules\//, ''))).toEqual([
      'zod/v4/locales/en.js',
    ]);
  });

  it('leaves out what cannot run in Lambda or is never called: other credential sources, zod’s unused half, unused S3 operations', async () => {
    const inputs = inputsOf(() => true);
    expect(inputs.filter((input) => /@aws-sdk\/(credential-provider-(?!env)|nested-clients|token-providers)/.test(input))).toEqual([]);
    expect(inputs.filter((input) => input.includes('zod/v4/classic/from-json-schema'))).toEqual([]);
    const code = (
      await Promise.all(
        Object.keys(metafile.outputs)
          .filter((output) => output.endsWith('.mjs'))
          .map((output) => readFile(output, 'utf8')),
      )
    ).join('\n');
    expect(code).toContain('CreateMultipartUpload');
    expect(code).not.toContain('PutBucketAnalyticsConfiguration');
  });

  it('stays within the API bundle budget (API_BUNDLE_BUDGET_BYTES: code, entry and chunks)', () => {
    const codeBytes = Object.entries(metafile.outputs)
      .filter(([output]) => output.endsWith('.mjs'))
      .reduce((total, [, { bytes }]) => total + bytes, 0);
    expect(codeBytes).toBeGreaterThan(100 * 1024);
    expect(codeBytes, `${(codeBytes / 1024).toFixed(1)} KB; see docs/benchmarks.md for the composition`).toBeLessThanOrEqual(API_BUNDLE_BUDGET_BYTES);
  });

  it('stays within the cold-start budget (API_BUNDLE_INIT_BUDGET_BYTES: the entry and the chunks it imports statically)', () => {
    const initBytes = [...loadedAtInit()].reduce((total, output) => total + metafile.outputs[output]!.bytes, 0);
    expect(initBytes, `${(initBytes / 1024).toFixed(1)} KB loaded at init; see docs/benchmarks.md`).toBeLessThanOrEqual(API_BUNDLE_INIT_BUDGET_BYTES);
  });

  it('leaves the Batch client, the organiser routes and the discussion out of the code loaded at init', () => {
    const atInit = loadedAtInit();
    const initInputs = inputsOf((output) => atInit.has(output));
    expect(initInputs.filter((input) => input.includes('@aws-sdk/client-batch'))).toEqual([]);
    expect(inputsOf(() => true).some((input) => input.includes('@aws-sdk/client-batch'))).toBe(true);
    expect(initInputs.filter((input) => /functions\/api\/routes\/(admin\/|discussion\.ts)/.test(input))).toEqual([]);
    expect(inputsOf(() => true)).toContain('functions/api/routes/admin/admin-participants.ts');
  });

  it('answers a lazily loaded route from its chunk with the app’s own validation errors, and documents the lazy routes', () => {
    const [discussion, openapi] = invoke(['/challenges/not%20an%20id/discussion', '/openapi.json']);
    expect(discussion!.statusCode).toBe(400);
    expect(JSON.parse(discussion!.body)).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining('path.challengeId') });
    expect(Object.keys(JSON.parse(openapi!.body).paths)).toEqual(
      expect.arrayContaining(['/admin/challenges/{challengeId}/participants', '/challenges/{challengeId}/discussion/topics']),
    );
  });

  it('has every lazily loaded chunk loadable on its own', () => {
    const chunks = Object.keys(metafile.outputs).filter((output) => output.endsWith('.mjs') && !output.endsWith('/index.mjs'));
    expect(chunks.length).toBeGreaterThan(0);
    const script = `for (const chunk of ${JSON.stringify(chunks.map((chunk) => join(process.cwd(), chunk)))}) await import(chunk); console.log('loaded');`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()).toBe('loaded');
  });
});

describe('PodiumFunction bundling', () => {
  it('bundles each function from its own entry, with the handler at index.handler', () => {
    const outdir = join(dir, 'cdk');
    const stack = new Stack(new App({ outdir }), 'Bundled');
    new PodiumFunction(stack, 'Bare', { entry: 'bench/api/bare-hono-lambda.ts', challengeId: 'c', description: 'bare Hono' });
    new PodiumFunction(stack, 'Reconciler', { entry: 'functions/reconciler/lambda.ts', challengeId: 'c', description: 'reconciler' });
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((fn) => fn.Properties);
    expect(functions.map((fn) => fn.Handler)).toEqual(['index.handler', 'index.handler']);
    const assetKeys = functions.map((fn) => fn.Code.S3Key as string);
    expect(new Set(assetKeys).size).toBe(2);
    for (const key of assetKeys) expect(existsSync(join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'))).toBe(true);
  });
});
