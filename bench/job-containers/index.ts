import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podmanAvailable } from '../../local/job-runner/podman.ts';
import { prepareJobContainers, runParity, type ParityOptions } from '../../local/parity/run-parity.ts';

/**
 * One baseline submission of each example, upload → SCORED, through the job containers (`npm run
 * parity`) against the same flow with jobs as child processes, measured in the same run, and the
 * containers with and without the IAM evaluation of their storage calls (the role proxy), to show
 * what each costs. Configurations take turns; `--repeat=N` (default 3) rounds, median and range.
 * Images are built (or found cached) first and not timed. Results: bench/results/job-containers.json.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repeat = Number(process.argv.find((arg) => arg.startsWith('--repeat='))?.split('=')[1] ?? 3);
if (!podmanAvailable()) {
  console.log('bench/job-containers: skipped, podman is not installed (scripts/setup-system.sh installs it)');
  process.exit(0);
}
const prepared = await prepareJobContainers({ log: (line) => console.log(line) });
const configurations: Record<string, ParityOptions> = {
  'containers, IAM evaluated': { prepared, runtime: 'container', iamParity: true },
  'containers, IAM off': { prepared, runtime: 'container', iamParity: false },
  'processes, IAM evaluated (reference)': { runtime: 'process', iamParity: true },
};
const samples: Record<string, Record<string, number[]>> = {};
const evaluatedCalls: number[] = [];
for (let round = 0; round < repeat; round++) {
  for (const [name, options] of Object.entries(configurations)) {
    const run = await runParity(options);
    for (const outcome of run.outcomes) {
      if (outcome.status !== 'SCORED') throw new Error(`${name}: ${outcome.challengeId} ended ${outcome.status}`);
      ((samples[name] ??= {})[outcome.challengeId] ??= []).push(outcome.seconds);
    }
    if (name === 'containers, IAM evaluated') evaluatedCalls.push([...run.roleDecisions.values()].flat().length);
    console.log(`round ${round + 1}/${repeat} ${name}: ${run.outcomes.map((o) => `${o.challengeId} ${o.seconds.toFixed(2)} s`).join(', ')}`);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const reference = samples['processes, IAM evaluated (reference)']!;
console.log(`\nupload → SCORED, median of ${repeat} (range), ratio to the processes reference of the same run`);
const table: Record<string, Record<string, { median: number; min: number; max: number; ratio: number }>> = {};
for (const [name, byChallenge] of Object.entries(samples)) {
  for (const [challengeId, values] of Object.entries(byChallenge)) {
    const row = { median: median(values), min: Math.min(...values), max: Math.max(...values), ratio: median(values) / median(reference[challengeId]!) };
    (table[name] ??= {})[challengeId] = row;
    console.log(
      `  ${name.padEnd(38)} ${challengeId.padEnd(10)} ${row.median.toFixed(2)} s (${row.min.toFixed(2)}–${row.max.toFixed(2)})  ×${row.ratio.toFixed(2)}`,
    );
  }
}
console.log(`  storage calls evaluated per containers run: ${evaluatedCalls.join(', ')}`);
await mkdir(join(here, '../results'), { recursive: true });
await writeFile(join(here, '../results/job-containers.json'), JSON.stringify({ measuredAt: new Date().toISOString(), repeat, table, evaluatedCalls }, null, 2));
