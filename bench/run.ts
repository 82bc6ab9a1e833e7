import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs every benchmark: each folder `bench/<name>/` with an `index.ts` (or a single `*-bench.ts`),
 * in its own process so one
 * benchmark's memory never shows in another's figures. `npm run bench -- scorer` runs only those
 * named. Figures are ratios against a reference measured in the same run (docs/benchmarks.md).
 */
const benchRoot = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
/** The entry file of a benchmark folder, if it is one. */
function entryOf(name: string): string | undefined {
  const folder = join(benchRoot, name);
  if (existsSync(join(folder, 'index.ts'))) return join(folder, 'index.ts');
  const benches = readdirSync(folder).filter((file) => file.endsWith('-bench.ts'));
  return benches.length === 1 ? join(folder, benches[0]!) : undefined;
}

const names = readdirSync(benchRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entryOf(entry.name) !== undefined)
  .map((entry) => entry.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (names.length === 0) {
  console.error(wanted.length ? `no benchmark named ${wanted.join(', ')} under bench/` : 'no benchmarks under bench/');
  process.exit(1);
}
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', entryOf(name)!, ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
