/**
 * API benchmarks (not tests): the Lambda bundle's size and cold import time next to a bare Hono
 * `handle()` bundle, and a bounded loopback load run of leaderboard reads and submission creates
 * against the local platform next to a bare Hono route, all measured in the same run.
 *
 *   npm run bench -- api        (or `npx tsx bench/api/index.ts`; `npm run bench` runs every bench/<area>/)
 *
 * Both bundles come from `bundleLambda`, the call CDK makes for the deployed asset. The budgeted
 * size is every `.mjs` file of the bundle (entry and chunks; source maps, metafile and licence
 * notices are separate files); the cold path is the entry and the chunks it imports statically,
 * which is what Lambda loads at init.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Metafile } from 'esbuild';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { API_BUNDLE_BUDGET_BYTES as BUNDLE_BUDGET_BYTES, bundleLambda } from '../../infra/lambda-bundle.ts';
import { startLocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';

const IMPORT_RUNS = 9;

interface BundleSize {
  /** Every `.mjs` output: what the budget counts. */
  totalBytes: number;
  /** The entry and the chunks it imports statically: what Lambda loads at init. */
  coldBytes: number;
  files: number;
  /** Output bytes per npm package (or repository folder), largest first. */
  composition: [string, number][];
}

function sizeOf(metafile: Metafile): BundleSize {
  const code = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  const entry = code.find(([file]) => file.endsWith('/index.mjs'))![0];
  const cold = new Set<string>();
  const visit = (file: string) => {
    if (cold.has(file)) return;
    cold.add(file);
    for (const imported of metafile.outputs[file]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  const byPackage = new Map<string, number>();
  for (const [, output] of code) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input.split('/').slice(0, 2).join('/');
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return {
    totalBytes: code.reduce((sum, [, output]) => sum + output.bytes, 0),
    coldBytes: [...cold].reduce((sum, file) => sum + metafile.outputs[file]!.bytes, 0),
    files: code.length,
    composition: [...byPackage].sort((a, b) => b[1] - a[1]),
  };
}

/**
 * Median time for a fresh Node process to import each bundle's entry (process start not counted).
 * The bundles take turns, run after run, so load from elsewhere on the machine hits both alike.
 */
function coldImportMs(files: string[]): number[] {
  const env = {
    ...process.env,
    PODIUM_JWKS_URL: 'https://example.invalid/jwks.json',
    PODIUM_JWT_ISSUER: 'https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_example',
    PODIUM_JWT_AUDIENCE: 'client',
    AWS_REGION: 'eu-west-3',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const times = files.map(() => [] as number[]);
  for (let run = 0; run < IMPORT_RUNS; run++) {
    files.forEach((file, index) => {
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`],
        { env, encoding: 'utf8' },
      );
      times[index]!.push(Number(out.trim().split('\n').pop()));
    });
  }
  return times.map((samples) => samples.sort((x, y) => x - y)[Math.floor(samples.length / 2)]!);
}

async function load(url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; amount: number }) {
  const result = await autocannon({
    url,
    connections: 10,
    amount: options.amount,
    method: options.method ?? 'GET',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body ? { body: options.body } : {}),
  });
  return { reqPerSec: Math.round(result.requests.average), p99Ms: result.latency.p99, non2xx: result.non2xx, total: result.requests.total };
}

export async function runApiBench(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podium-api-bench-'));
  const apiBundle = sizeOf(await bundleLambda('functions/api/lambda.ts', join(dir, 'api')));
  const bareBundle = sizeOf(await bundleLambda('bench/api/bare-hono-lambda.ts', join(dir, 'bare')));
  const [apiImport, bareImport] = coldImportMs([join(dir, 'api', 'index.mjs'), join(dir, 'bare', 'index.mjs')]) as [number, number];

  // Load: the whole local platform in memory, plus a bare Hono route on its own server.
  const platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), apiPort: 0 }, log: () => {} });
  const bare = new Hono().get('/', (c) => c.json({ ok: true }));
  const bareServer = await new Promise<ReturnType<typeof serve>>((ready) => {
    const server = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(server));
  });
  const barePort = (bareServer.address() as { port: number }).port;
  const post = async (path: string, body: unknown, token?: string) =>
    (
      await fetch(`${platform.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
    ).json() as Promise<Record<string, string>>;
  const organiser = (await post('/dev/login', { email: 'bench-org@example.org', role: 'organiser' })).token!;
  const example = await loadChallenge('examples/tissuenet');
  const { rulesVersion: _version, descriptionMarkdown, rulesMarkdown, pagesMarkdown, ...file } = example;
  const benchChallenge = {
    ...file,
    id: 'bench',
    phases: [
      {
        ...file.phases[0]!,
        opens: '2020-01-01T00:00:00Z',
        closes: '2100-01-01T00:00:00Z',
        quota: { perDay: 1_000_000, concurrent: 1_000_000, countFailed: true },
      },
    ],
  };
  await fetch(`${platform.apiUrl}/admin/challenges/bench`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${organiser}` },
    body: JSON.stringify({ ...benchChallenge, descriptionMarkdown, rulesMarkdown, pagesMarkdown }),
  });
  const competitor = (await post('/dev/login', { email: 'bench@example.org' })).token!;
  const rules = (await (await fetch(`${platform.apiUrl}/challenges/bench/rules`)).json()) as { version: string };
  await post(
    '/challenges/bench/registration',
    { rulesVersion: rules.version, answers: { affiliation: 'Bench', country: 'France', 'data-use': true } },
    competitor,
  );

  const bareRoute = await load(`http://127.0.0.1:${barePort}/`, { amount: 5000 });
  const leaderboard = await load(`${platform.apiUrl}/challenges/bench/phases/${benchChallenge.phases[0]!.id}/leaderboard`, { amount: 3000 });
  const creates = await load(`${platform.apiUrl}/challenges/bench/phases/${benchChallenge.phases[0]!.id}/submissions`, {
    method: 'POST',
    amount: 600,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${competitor}` },
    body: JSON.stringify({ archiveBytes: 1024 }),
  });
  bareServer.close();
  await platform.close();

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    `API Lambda bundle: ${kb(apiBundle.totalBytes)} in ${apiBundle.files} files (budget ${kb(BUNDLE_BUDGET_BYTES)}: ` +
      `${apiBundle.totalBytes <= BUNDLE_BUDGET_BYTES ? 'within' : 'OVER'}); loaded at init ${kb(apiBundle.coldBytes)}`,
    `Bare Hono handle() bundle: ${kb(bareBundle.totalBytes)}`,
    `Cold import (median of ${IMPORT_RUNS} fresh node processes, ${process.version}): API ${apiImport.toFixed(1)} ms; bare Hono ${bareImport.toFixed(1)} ms`,
    `API bundle composition: ${apiBundle.composition
      .slice(0, 16)
      .map(([owner, bytes]) => `${owner} ${kb(bytes)}`)
      .join(', ')}`,
    `Load, 10 connections, loopback (${process.version}):`,
    `  bare Hono route          ${bareRoute.reqPerSec} req/s, p99 ${bareRoute.p99Ms} ms (${bareRoute.total} requests, ${bareRoute.non2xx} non-2xx)`,
    `  GET leaderboard          ${leaderboard.reqPerSec} req/s, p99 ${leaderboard.p99Ms} ms (${leaderboard.total} requests, ${leaderboard.non2xx} non-2xx)`,
    `  POST submission create   ${creates.reqPerSec} req/s, p99 ${creates.p99Ms} ms (${creates.total} requests, ${creates.non2xx} non-2xx)`,
  ].join('\n');
}
