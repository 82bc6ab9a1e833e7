import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../infra/bundling/lambda-credentials.ts';
import { sdkSchemaLiteralKeys, withLiteralKeys } from '../../infra/bundling/sdk-schema-literal-keys.ts';

const require = createRequire(import.meta.url);
const s3Schemas = join(dirname(require.resolve('@aws-sdk/client-s3/package.json')), 'dist-es/schemas/schemas_0.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podium-bundling-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Schema arrays hold thunks (`() => GetObjectRequest$`); compares what they return, a few levels deep. */
function resolved(value: unknown, depth = 4): unknown {
  if (typeof value === 'function') return depth > 0 ? resolved((value as () => unknown)(), depth - 1) : 'thunk';
  if (Array.isArray(value)) return value.map((item) => resolved(item, depth));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolved(item, depth)]));
  return value;
}

describe('SDK schema literal keys', () => {
  it('inlines computed keys that name string constants of the same module, and leaves others', () => {
    const source = 'const _h = "http";\nconst _hH = "httpHeader";\nexport var X$ = [3, n0, _h, { [_h]: ["GET", "/"], [_hH]: "x-amz-a", [other]: 1 }];';
    expect(withLiteralKeys(source)).toBe(
      'const _h = "http";\nconst _hH = "httpHeader";\nexport var X$ = [3, n0, _h, { "http": ["GET", "/"], "httpHeader": "x-amz-a", [other]: 1 }];',
    );
  });

  it('builds S3 operation schemas identical to the SDK’s own', async () => {
    const bundle = async (name: string, plugins: (typeof sdkSchemaLiteralKeys)[]) => {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        entryPoints: [s3Schemas],
        bundle: true,
        format: 'esm',
        platform: 'node',
        mainFields: ['module', 'main'],
        outfile,
        plugins,
        logLevel: 'error',
      });
      return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
    };
    const [original, patched] = await Promise.all([bundle('original', []), bundle('patched', [sdkSchemaLiteralKeys])]);
    for (const operation of ['GetObject$', 'CreateMultipartUpload$', 'UploadPart$', 'CompleteMultipartUpload$', 'PutObject$']) {
      expect(original[operation], operation).toBeDefined();
      expect(resolved(patched[operation]), operation).toEqual(resolved(original[operation]));
    }
  });
});

describe('Lambda credentials', () => {
  it('reads the execution role’s credentials from the environment Lambda sets', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
      await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
    } finally {
      process.env = saved;
    }
  });
});
