import { mkdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

/**
 * Bundles the GPU benchmark and the two job entrypoints into single ESM files for a machine that has
 * Node and a GPU but no node_modules (the lent GPU machine). Persistent LevelDB is not needed there
 * (the benchmark keeps DynamoDB in memory), so `level`'s native binding is replaced by a stub.
 */
const outDir = process.argv[2] ?? '.device-carry';
await mkdir(`${outDir}/stubs`, { recursive: true });
await writeFile(`${outDir}/stubs/level.cjs`, "exports.Level = class { constructor() { throw new Error('persistent LevelDB is not bundled'); } };\n");
const banner = "import { createRequire as __podiumRequire } from 'node:module'; const require = __podiumRequire(import.meta.url);";
for (const [entry, out] of [
  ['bench/gpu-inference/index.ts', 'gpu-bench.mjs'],
  ['batch-jobs/inference/main.ts', 'inference.mjs'],
  ['batch-jobs/scoring/main.ts', 'scoring.mjs'],
] as const) {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: `${outDir}/${out}`,
    banner: { js: banner },
    alias: { level: `./${outDir}/stubs/level.cjs` },
    logLevel: 'warning',
  });
  console.log(`bundled ${entry} → ${outDir}/${out}`);
}
