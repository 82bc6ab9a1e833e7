import { tmpdir } from 'node:os';
import type { Challenge } from '#shared/challenge/challenge.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { SandboxMode } from '#shared/sandbox/sandbox-mode.ts';
import { executeTrainingJob } from '#shared/training/execute-training-job.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';
import { trainingOf } from '#shared/training/training-budget.ts';
import { findTrainingJob } from '#shared/training/training-job-record.ts';
import { FairShareQueue } from './job-runner/fair-share-queue.ts';

export interface LocalTrainingWorker extends TrainingLauncher {
  /** Resolves once every launched job has ended (tests, and a clean stop of the stack). */
  idle(): Promise<void>;
}

interface QueuedTraining {
  challenge: Challenge;
  trainingJobId: string;
  teamId: string;
}

/**
 * Runs training jobs on this machine in the platform's sandbox, on the CPU: the local stand-in for
 * the phase's training queue on AWS Batch. At most `slots` jobs run at once; teams take turns
 * (round robin, as Batch's fair-share policy with the team as share identifier), and a team runs
 * at most its phase's `concurrentJobsPerTeam` at once. Each job is executeTrainingJob, so its
 * budget is reserved, settled and alerted exactly as there. `stop` kills a running job's sandbox
 * at once (Batch's TerminateJob); what it wrote to outputs/ is kept. A job this worker was
 * running when the stack died is ended by the training reconciler, charged up to its last heartbeat.
 */
export function createLocalTrainingWorker(
  ctx: PodiumContext,
  options: { workRoot?: string; sandboxMode?: SandboxMode; heartbeatMs?: number; logEveryMs?: number; slots?: number; log?: (line: string) => void } = {},
): LocalTrainingWorker {
  const slots = options.slots ?? 1;
  const queue = new FairShareQueue<QueuedTraining>();
  const running = new Map<string, { teamId: string; abort: AbortController; done: Promise<void> }>();
  const pending = new Set<Promise<void>>();
  /** Each team's `concurrentJobsPerTeam` (its phase's): how many of its jobs run at once. */
  const limits = new Map<string, number>();
  const runningOf = (teamId: string) => [...running.values()].filter((run) => run.teamId === teamId).length;

  const pump = () => {
    while (running.size < slots) {
      const next = queue.nextOf((teamId) => runningOf(teamId) < (limits.get(teamId) ?? 1));
      if (!next) return;
      const abort = new AbortController();
      const done = executeTrainingJob(ctx, next.challenge, next.trainingJobId, {
        workRoot: options.workRoot ?? tmpdir(),
        signal: abort.signal,
        ...(options.sandboxMode ? { sandboxMode: options.sandboxMode } : {}),
        ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
        ...(options.logEveryMs ? { logEveryMs: options.logEveryMs } : {}),
      })
        .then((job) => options.log?.(`training job ${next.trainingJobId}: ${job?.status ?? 'not queued'}`))
        .catch((error: unknown) => options.log?.(`training job ${next.trainingJobId} failed (platform): ${String(error)}`))
        .finally(() => {
          running.delete(next.trainingJobId);
          pump();
        });
      running.set(next.trainingJobId, { teamId: next.teamId, abort, done });
    }
  };

  return {
    launch(challenge: Challenge, trainingJobId: string) {
      const queued = findTrainingJob(ctx, trainingJobId)
        .then((job) => {
          if (!job) return;
          limits.set(job.teamId, trainingOf(requirePhase(challenge, job.phaseId)).concurrentJobsPerTeam);
          queue.push(job.teamId, { challenge, trainingJobId, teamId: job.teamId });
          pump();
        })
        .catch((error: unknown) => options.log?.(`training job ${trainingJobId} could not be queued: ${String(error)}`))
        .finally(() => pending.delete(queued));
      pending.add(queued);
    },
    async stop(trainingJobId: string) {
      // A job still waiting here finds itself no longer QUEUED and never starts.
      running.get(trainingJobId)?.abort.abort();
    },
    async idle() {
      while (pending.size > 0 || running.size > 0) {
        await Promise.all([...pending, ...[...running.values()].map((run) => run.done)]);
      }
    },
  };
}
