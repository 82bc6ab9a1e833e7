import { tmpdir } from 'node:os';
import type { Challenge } from '#shared/challenge/challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { SandboxMode } from '#shared/sandbox/sandbox-mode.ts';
import { executeTrainingJob } from '#shared/training/execute-training-job.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';

export interface LocalTrainingWorker extends TrainingLauncher {
  /** Resolves once every launched job has ended (tests, and a clean stop of the stack). */
  idle(): Promise<void>;
}

/**
 * Runs training jobs on this machine, one after the other, in the platform's sandbox (bubblewrap)
 * on the CPU: the local stand-in for the phase's training queue on AWS Batch. Each job is
 * executeTrainingJob, so its budget is reserved, settled and alerted exactly as it will be there.
 * A job this worker was running when the stack died is ended by the training reconciler, charged
 * up to its last heartbeat.
 */
export function createLocalTrainingWorker(
  ctx: PodiumContext,
  options: { workRoot?: string; sandboxMode?: SandboxMode; heartbeatMs?: number; log?: (line: string) => void } = {},
): LocalTrainingWorker {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    launch(challenge: Challenge, trainingJobId: string) {
      chain = chain.then(() =>
        executeTrainingJob(ctx, challenge, trainingJobId, {
          workRoot: options.workRoot ?? tmpdir(),
          ...(options.sandboxMode ? { sandboxMode: options.sandboxMode } : {}),
          ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
        })
          .then((job) => options.log?.(`training job ${trainingJobId}: ${job?.status ?? 'not queued'}`))
          .catch((error: unknown) => options.log?.(`training job ${trainingJobId} failed (platform): ${String(error)}`)),
      );
    },
    // The sandbox of one run cannot be singled out yet: a cancelled running job runs on to its
    // reservation's limit, charged only up to the cancel (docs/ARCHITECTURE.md, "Training jobs").
    async stop() {},
    async idle() {
      for (let seen: Promise<unknown> | undefined; seen !== chain;) {
        seen = chain;
        await chain;
      }
    },
  };
}
