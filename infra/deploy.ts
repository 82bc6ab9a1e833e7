import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { deployPlan } from './deploy-order.ts';

/**
 * `npm run deploy -- [--challenge <folder>] [--phase <id>]… [--at <ISO time>] [--dry-run]`: runs
 * `cdk deploy` for each stack of the documented order (infra/deploy-order.ts), one at a time,
 * stopping at the first that fails. `--dry-run` prints the commands instead.
 */
const usage = 'usage: npm run deploy -- [--challenge examples/tissuenet] [--phase <id>]... [--at <ISO time>] [--dry-run]';
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      challenge: { type: 'string', short: 'c', default: 'examples/tissuenet' },
      phase: { type: 'string', short: 'p', multiple: true },
      at: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`deploy: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const at = options.at ? new Date(options.at) : new Date();
if (Number.isNaN(at.getTime())) {
  console.error(`deploy: --at ${options.at} is not a time (use ISO 8601, e.g. 2027-03-01T00:00:00Z)\n${usage}`);
  process.exit(2);
}

let plan;
try {
  plan = deployPlan(await loadChallenge(options.challenge), { at, ...(options.phase ? { phases: options.phase } : {}) });
} catch (error) {
  console.error(`deploy: ${(error as Error).message}`);
  process.exit(2);
}
for (const { phaseId, why } of plan.skipped) console.error(`deploy: phase ${phaseId} left out (${why}); pass --phase ${phaseId} to deploy it`);

const commands = plan.stacks.map((stack) => ['npx', 'cdk', 'deploy', '-c', `challenge=${options.challenge}`, stack]);
if (options['dry-run']) {
  for (const command of commands) console.log(command.join(' '));
  process.exit(0);
}
for (const [program, ...args] of commands) {
  console.error(`deploy: ${[program, ...args].join(' ')}`);
  const run = spawnSync(program!, args, { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`deploy: stopped: ${args.at(-1)} did not deploy (exit ${run.status ?? run.signal}); the stacks after it were not touched`);
    process.exit(run.status ?? 1);
  }
}
