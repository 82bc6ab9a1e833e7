/**
 * API benchmarks (not tests): the Lambda bundle's size and cold import time next to a bare Hono
 * `handle()` bundle, and a bounded loopback load run of leaderboard reads and submission creates
 * against the local platform next to a bare Hono route, all measured in the same run.
 *
 *   npx tsx bench/api/api-bench.ts        (or `npm run bench`, which runs every bench/<area>/)
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { startLocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';

const BUNDLE_BUDGET_BYTES = 600 * 1024;
const IMPORT_RUNS = 7;

async function bundle(entry: string, outfile: string): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // The AWS SDK is bundled (not taken from the runtime) so its version is the one tested.
    external: [],
    metafile: true,
    legalComments: 'none',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs)[0]!.bytes;
}

/** Median wall time of a fresh Node process importing the bundle, minus nothing: both bundles pay the same process start. */
function coldImportMs(file: string): number {
  const env = { ...process.env, PODIUM_JWKS_URL: 'https://example.invalid/jwks.json', PODIUM_JWT_ISSUER: 'https://issuer.invalid', PODIUM_JWT_AUDIENCE: 'client', AWS_REGION: 'eu-west-3', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const times: number[] = [];
  for (let run = 0; run < IMPORT_RUNS; run++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`], { env, encoding: 'utf8' });
    times.push(Number(out.trim().split('\n').pop()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function load(url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; amount: number }) {
  const result = await autocannon({ url, connections: 10, amount: options.amount, method: options.method ?? 'GET', ...(options.headers ? { headers: options.headers } : {}), ...(options.body ? { body: options.body } : {}) });
  return { reqPerSec: Math.round(result.requests.average), p99Ms: result.latency.p99, non2xx: result.non2xx, total: result.requests.total };
}

export async function runApiBench(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podium-api-bench-'));
  const bareEntry = resolve('bench/api/bare-hono-lambda.ts');
  const apiBytes = await bundle(resolve('functions/api/lambda.ts'), join(dir, 'api.mjs'));
  const bareBytes = await bundle(bareEntry, join(dir, 'bare.mjs'));
  const apiImport = coldImportMs(join(dir, 'api.mjs'));
  const bareImport = coldImportMs(join(dir, 'bare.mjs'));

  // Load: the whole local platform in memory, plus a bare Hono route on its own server.
  const platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), apiPort: 0 }, log: () => {} });
  const bare = new Hono().get('/', (c) => c.json({ ok: true }));
  const bareServer = await new Promise<ReturnType<typeof serve>>((ready) => {
    const server = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(server));
  });
  const barePort = (bareServer.address() as { port: number }).port;
  const post = async (path: string, body: unknown, token?: string) =>
    (await fetch(`${platform.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json() as Promise<Record<string, string>>;
  const organiser = (await post('/dev/login', { email: 'bench-org@example.org', role: 'organiser' })).token!;
  const example = await loadChallenge('examples/tissuenet');
  const { rulesVersion: _version, descriptionMarkdown, rulesMarkdown, ...file } = example;
  const benchChallenge = { ...file, id: 'bench', phases: [{ ...file.phases[0]!, opens: '2020-01-01T00:00:00Z', closes: '2100-01-01T00:00:00Z', quota: { perDay: 1_000_000, concurrent: 1_000_000, countFailed: true } }] };
  await fetch(`${platform.apiUrl}/admin/challenges/bench`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${organiser}` }, body: JSON.stringify({ ...benchChallenge, descriptionMarkdown, rulesMarkdown }) });
  const competitor = (await post('/dev/login', { email: 'bench@example.org' })).token!;
  const rules = (await (await fetch(`${platform.apiUrl}/challenges/bench/rules`)).json()) as { version: string };
  await post('/challenges/bench/registration', { rulesVersion: rules.version }, competitor);

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
    `API Lambda bundle: ${kb(apiBytes)} (budget ${kb(BUNDLE_BUDGET_BYTES)}: ${apiBytes <= BUNDLE_BUDGET_BYTES ? 'within' : 'OVER'}); bare Hono handle(): ${kb(bareBytes)}`,
    `Cold import (median of ${IMPORT_RUNS} fresh node processes): API ${apiImport.toFixed(1)} ms; bare Hono ${bareImport.toFixed(1)} ms`,
    `Load, 10 connections, loopback (${process.version}):`,
    `  bare Hono route          ${bareRoute.reqPerSec} req/s, p99 ${bareRoute.p99Ms} ms (${bareRoute.total} requests, ${bareRoute.non2xx} non-2xx)`,
    `  GET leaderboard          ${leaderboard.reqPerSec} req/s, p99 ${leaderboard.p99Ms} ms (${leaderboard.total} requests, ${leaderboard.non2xx} non-2xx)`,
    `  POST submission create   ${creates.reqPerSec} req/s, p99 ${creates.p99Ms} ms (${creates.total} requests, ${creates.non2xx} non-2xx)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runApiBench());
}
