import * as z from 'zod';
import { requirePhase, smokeDatasetOf, type Challenge } from '../challenge/challenge.ts';
import { runtimeSchema, submissionFormatSchema } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { jobEnvJson } from './job-env-json.ts';

/**
 * Everything the inference launcher needs to know about one attempt, decided when the jobs are
 * queued (by code that may read the table) and passed in the job's environment at SubmitJob time.
 * The launcher therefore needs no table credentials: the container that runs competitor code holds
 * none (docs/ARCHITECTURE.md, "The inference launcher holds no table credentials").
 */
export const inferenceRunSpecSchema = z
  .object({
    submissionId: z.string().min(1),
    attempt: z.number().int().positive(),
    challengeId: z.string().min(1),
    phaseId: z.string().min(1),
    mode: z.enum(['scored', 'smoke']),
    /** The archive version validated on upload; every read is pinned to its ETag. */
    archive: z.object({ key: z.string().min(1), eTag: z.string().min(1).optional() }).strict(),
    /** Which bucket (by role, the launcher maps it to a name) and prefix hold the run's inputs. */
    inputs: z.object({ bucket: z.enum(['hidden', 'datasets']), prefix: z.string().min(1) }).strict(),
    runtime: runtimeSchema,
    format: submissionFormatSchema,
    /** A training job's outputs the team attached (`submit --with-outputs`): copied next to main.py, each checked against its SHA-256. */
    trainingOutputs: z
      .object({
        prefix: z.string().min(1),
        files: z.array(z.object({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()),
      })
      .strict()
      .optional(),
    /** Set for an organiser's rerun of a scored submission: its outputs go under the rerun's keys (objectKeys.rerunOutputs). */
    rerunId: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .strict();

export type InferenceRunSpec = z.infer<typeof inferenceRunSpecSchema>;

/** The variable that carries the spec, as JSON. */
export const RUN_SPEC_ENV = 'PODIUM_RUN_SPEC';

/** The spec of a submission's attempt: hidden inputs for a scored run, the smoke dataset's for a smoke run. */
export function inferenceRunSpec(challenge: Challenge, submission: SubmissionRecord, attempt: number): InferenceRunSpec {
  const phase = requirePhase(challenge, submission.phaseId);
  let inputs: InferenceRunSpec['inputs'];
  if (submission.mode === 'smoke') {
    const smoke = smokeDatasetOf(challenge, phase.id);
    if (!smoke) throw new PodiumError('NOT_FOUND', `phase "${phase.id}" has no smoke dataset`);
    inputs = { bucket: 'datasets', prefix: `${objectKeys.datasetPrefix(challenge.id, smoke.id)}inputs/` };
  } else {
    inputs = { bucket: 'hidden', prefix: objectKeys.hiddenInputsPrefix(challenge.id, phase.dataset) };
  }
  return {
    submissionId: submission.id,
    attempt,
    challengeId: challenge.id,
    phaseId: phase.id,
    mode: submission.mode,
    archive: { key: submission.archiveKey, ...(submission.archiveETag ? { eTag: submission.archiveETag } : {}) },
    inputs,
    runtime: phase.runtime,
    format: challenge.submissionFormat,
    ...(submission.trainingOutputs ? { trainingOutputs: { prefix: submission.trainingOutputs.prefix, files: submission.trainingOutputs.files } } : {}),
  };
}

/** Where a run's predictions, outcome and log go: the attempt's keys, or the rerun's. */
export function runOutputKeys(spec: Pick<InferenceRunSpec, 'submissionId' | 'attempt' | 'rerunId'>): { predictions: string; outcome: string; log: string } {
  if (spec.rerunId) return objectKeys.rerunOutputs(spec.rerunId, spec.submissionId);
  return {
    predictions: objectKeys.predictions(spec.submissionId, spec.attempt),
    outcome: objectKeys.runOutcome(spec.submissionId, spec.attempt),
    log: objectKeys.runLog(spec.submissionId, spec.attempt),
  };
}

/** Reads the spec from the job's environment; a missing or malformed spec is a misconfigured job. */
export function inferenceRunSpecFromEnv(env: NodeJS.ProcessEnv = process.env): InferenceRunSpec {
  const spec = jobEnvJson(env, RUN_SPEC_ENV, inferenceRunSpecSchema);
  if (!spec) throw new Error(`${RUN_SPEC_ENV} is not set: the inference job is submitted with its run spec (shared/pipeline/queue-jobs.ts)`);
  return spec;
}
