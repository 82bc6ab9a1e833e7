import { runInferenceJob } from '#shared/pipeline/run-inference-job.ts';
import { runJobEntrypoint } from '../job-entrypoint.ts';

/** Entrypoint of the inference job: the competitor's code, sandboxed, on the phase's inputs. */
await runJobEntrypoint('inference', (ctx, submissionId, attempt) =>
  runInferenceJob(ctx, submissionId, attempt, process.env.PODIUM_WORK_DIR ? { workRoot: process.env.PODIUM_WORK_DIR } : {}),
);
