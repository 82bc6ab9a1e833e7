import { runParity } from './run-parity.ts';
import { podmanAvailable } from '../job-runner/podman.ts';

/**
 * `npm run parity`: each example's baseline (and TissueNet's PyTorch CNN) through the job containers built from their
 * Dockerfiles, under the synthesized job definitions, and TissueNet's train.py as a training job whose outputs a
 * submission then uses. Exits non-zero unless every submission is SCORED and every training job SUCCEEDED.
 */
// `--processes`: the same flow with plain child processes, the reference the benchmarks compare with.
const runtime = process.argv.includes('--processes') ? 'process' : 'container';
if (runtime === 'container' && !podmanAvailable()) {
  console.error('parity: podman is not available (install it with scripts/setup-system.sh)');
  process.exit(2);
}
const started = Date.now();
const run = await runParity({ runtime, log: (line) => console.log(line) });
console.log(`\nparity: final status of each example submission (jobs as ${runtime === 'container' ? 'containers' : 'child processes'})`);
for (const outcome of run.outcomes) {
  const failure = outcome.failure ? `  ${outcome.failure.reason}: ${outcome.failure.message}` : '';
  const score = outcome.scores ? `  score ${outcome.scores.overall.toFixed(4)}` : '';
  const receipt = outcome.receipt ? `  receipt ${outcome.receipt}` : '';
  console.log(
    `  ${outcome.challengeId.padEnd(12)} ${outcome.folder.padEnd(26)} ${outcome.status.padEnd(8)} ` +
      `${outcome.seconds.toFixed(1).padStart(6)} s${score}${receipt}${failure}`,
  );
}
for (const training of run.trainings) {
  const ran = training.runSeconds !== undefined ? `train.py ${training.runSeconds.toFixed(1)} s, ` : '';
  console.log(
    `  ${training.challengeId.padEnd(12)} ${'training (podium train)'.padEnd(26)} ${training.status.padEnd(8)} ${training.seconds.toFixed(1).padStart(6)} s` +
      `  ${ran}charged ${training.gpuHoursCharged} GPU-h, outputs: ${training.outputs.join(', ') || 'none'}${training.message ? `  ${training.message}` : ''}`,
  );
}
if (runtime === 'container') {
  const decisions = [...run.roleDecisions.values()].flat();
  const refused = decisions.filter((decision) => decision.denial);
  console.log(`\nparity: ${decisions.length} storage calls of ${run.roleDecisions.size} job containers evaluated as their roles, ${refused.length} refused`);
  for (const { denial } of refused) console.log(`  AccessDenied: ${denial!.message}`);
}
const failed = [...run.outcomes.filter((outcome) => outcome.status !== 'SCORED'), ...run.trainings.filter((training) => training.status !== 'SUCCEEDED')];
if (failed.length > 0) {
  console.log('\nparity: job runner log (last 40 lines)');
  for (const line of run.jobLog.slice(-40)) console.log(`  ${line.slice(0, 400)}`);
}
const steps = Object.entries(run.timings)
  .map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`)
  .join(', ');
console.log(`\nparity: ${((Date.now() - started) / 1000).toFixed(1)} s in all (${steps})`);
process.exit(failed.length === 0 ? 0 : 1);
