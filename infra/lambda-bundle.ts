import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { sdkPackageVersion } from './bundling/sdk-package-version.ts';
import { sdkSchemaLiteralKeys } from './bundling/sdk-schema-literal-keys.ts';
import { zodEnglishOnly } from './bundling/zod-english-only.ts';
import { REPO_ROOT } from './repo-root.ts';

/**
 * How every Podium Lambda is bundled, defined once: `PodiumFunction` runs `bundleLambda` for its
 * asset and `bench/api` measures the API bundle with the same call, so the figure reported is the
 * artifact deployed. The output folder holds `index.mjs` (handler `index.handler`), lazily loaded
 * chunks under `chunks/`, external source maps, `index.meta.json` (esbuild's metafile, for size
 * tracking) and the dependencies' licence notices.
 */

/** Lambda supplies credentials in the environment: the SDK's default chain is reduced to that link. */
const LAMBDA_CREDENTIALS = fileURLToPath(new URL('./bundling/lambda-credentials.ts', import.meta.url));
const SMALL_LRU_CACHE = fileURLToPath(new URL('./bundling/small-lru-cache.ts', import.meta.url));

/**
 * The API Lambda's size budget (issue 3): every `.mjs` file of its bundle, entry and chunks. 600 KB,
 * plus 40 KB (issue 10) for the Cognito client of the organiser TOTP check, a chunk loaded only by
 * organisers' requests, plus 16 KB (issue 16) for score receipts' routes (2.9 KB; no KMS client: the
 * API publishes the public key the scoring job recorded), winners' reruns (6.8 KB), data releases (1.9 KB)
 * and the challenge archive export (2.9 KB), plus 24 KB (issues 12, 13, 16, 17, merged together) for the
 * winners' code releases (about 10 KB with their routes), scoring-program definitions, runtime
 * manifests and the one Powertools logger, plus 40 KB (issue 15) for the discussion, moderation,
 * notification and personal-data routes and their domain code (no mail client: the API only queues
 * e-mails), plus 56 KB when issues 15, 16 and 18 were merged together (training jobs and budgets,
 * rerun application, open-data releases); composition in docs/benchmarks.md. Since issue 14's organiser
 * console the organiser routes and the discussion are chunks loaded by their first request
 * (functions/api/lazy-routers.ts) and the pipeline metrics are hand-written EMF lines (no Powertools
 * Metrics): what a cold start loads went from 722.8 KB to 662.1 KB, the whole artifact from 771.1 KB
 * to 767.5 KB; the console's routes (reject, revoke, teams, health, paged submissions) then added
 * 8.9 KB, most of them in the organiser chunk (776.4 KB in all, 664.0 KB at init). Merged with the
 * AWS mail path (the SQS and Secrets Manager clients, 35 KB, chunks), a named schema for every
 * response, challenge pages, registration questions and the score history: 843.4 KB in all, 680.4
 * KB at init (3 December 2026). Every cold start pays for `API_BUNDLE_INIT_BUDGET_BYTES`, the tight
 * budget; a lazy chunk only the requests that use it, so this cap on the whole artifact is looser.
 */
export const API_BUNDLE_BUDGET_BYTES = 856 * 1024;

/**
 * The API Lambda's cold-start budget: the entry and the chunks it imports statically, which every
 * cold start loads and parses (lazily imported chunks are not counted: the first organiser or
 * discussion request pays for them). Measured 680.6 KB, plus 8 KB. The mail queue's SQS client and
 * the Secrets Manager client (42.5 KB of chunks) are loaded by the first e-mail queued and the first
 * unsubscribe link verified (`notificationChannelFromEnv`), no longer at init: a cold start with the
 * queue bound (every deploy) loaded 723.1 KB before, 680.6 KB now.
 */
export const API_BUNDLE_INIT_BUDGET_BYTES = 688 * 1024;

/** The esbuild options for one Lambda entry (a path relative to the repository root, or absolute). */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: resolve(REPO_ROOT, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // The SDK ships in the bundle: the code runs with the versions it was tested against. Only
    // `bowser` stays out: the SDK's browser user-agent parser, imported lazily from code that is
    // tree-shaken away on Node, which code splitting would still emit as an unreachable chunk.
    external: ['bowser'],
    // ESM builds (`module`) tree-shake; the SDK's CommonJS builds (`main`) do not.
    mainFields: ['module', 'main'],
    // mnemonist's LRU cache (the DynamoDB client's endpoint-discovery cache, unused) for a Map-based one of the same methods.
    alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS, 'mnemonist/lru-cache': SMALL_LRU_CACHE },
    minify: true,
    treeShaking: true,
    // What is imported lazily (the Batch client the API needs only to cancel and submit rescores)
    // becomes a chunk loaded on first use, not at init.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled CommonJS dependencies call require(); ESM has none unless we make one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // External maps for NODE_OPTIONS=--enable-source-maps; stack traces need mappings, not sources.
    sourcemap: 'linked',
    sourcesContent: false,
    // Licence notices go to a separate file instead of the code Lambda loads.
    legalComments: 'external',
    metafile: true,
    plugins: [zodEnglishOnly, sdkSchemaLiteralKeys, sdkPackageVersion],
    logLevel: 'warning',
  };
}

/**
 * Bundles one Lambda entry into `outdir` and writes `index.meta.json` beside it.
 *
 * @example const metafile = await bundleLambda('functions/api/lambda.ts', 'cdk.out/api');
 */
export async function bundleLambda(entry: string, outdir: string): Promise<Metafile> {
  const { metafile } = await build({ ...lambdaBuildOptions(entry, outdir), metafile: true });
  await writeFile(join(outdir, 'index.meta.json'), JSON.stringify(metafile));
  return metafile;
}

const thisFile = fileURLToPath(import.meta.url);

/**
 * `bundleLambda` for CDK's synchronous local bundling: esbuild plugins need the asynchronous API,
 * so it runs in a child process (this file) and a failed build fails the synth.
 */
export function bundleLambdaSync(entry: string, outdir: string): void {
  execFileSync(process.execPath, ['--import', 'tsx', thisFile, entry, outdir], { cwd: REPO_ROOT, stdio: 'inherit' });
}

if (process.argv[1] === thisFile) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) throw new Error('usage: node --import tsx infra/lambda-bundle.ts <entry> <outdir>');
  await bundleLambda(entry, outdir);
}
