import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import { findPhase, type Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import { jobName, type JobRunner, type JobSpec, type RerunJobStateEvent } from '../jobs/job-runner.ts';
import { phaseHasSplit } from '../leaderboard/leaderboard-splits.ts';
import { readLeaderboard } from '../leaderboard/read-leaderboard.ts';
import { inferenceRunSpec, RUN_SPEC_ENV } from '../pipeline/inference-run-spec.ts';
import { pipelineLog } from '../pipeline/pipeline-log.ts';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline/pipeline-settings.ts';
import { JOB_ENV } from '../pipeline/queue-jobs.ts';
import { createIfAbsent, transitionStatus, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { getSubmission, type SubmissionScores } from '../submissions/submission-record.ts';
import type { Agreement, PredictionsComparison } from './compare-predictions.ts';

/**
 * An organiser's rerun of the top teams of a phase: each team's ranked archive runs again in the
 * same image on the same hidden data (a `rerun` job each, the inference job definition), then one
 * `compare` job (the scoring job definition: it reads labels) scores the reruns and compares
 * predictions and scores with the originals. Nothing else changes: no quota, no submission, no
 * board. QUEUED → RUNNING → SUCCEEDED | FAILED, each step a conditional write.
 */
export const RERUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type RerunStatus = (typeof RERUN_STATUSES)[number];
export const MAX_RERUN_TEAMS = 20;
/** Organiser work shares one fair-share identifier, apart from every team's (Batch allows alphanumerics only). */
const RERUN_SHARE = 'rescore';
const COMPARE_TIMEOUT_SECONDS = 3600;

export interface RerunTeam {
  rank: number;
  teamId: string;
  teamName?: string;
  submissionId: string;
  /** The attempt whose predictions and scores the rerun is compared with. */
  attempt: number;
  scores: SubmissionScores;
  jobId?: string;
}

export interface RerunResult {
  rank: number;
  teamId: string;
  teamName?: string;
  submissionId: string;
  /** The worse of the predictions' and the ranking score's agreement. */
  verdict: Agreement;
  predictions: PredictionsComparison | { agreement: 'different'; note: string };
  originalScore: number;
  rerunScore?: number;
  scoreDifference?: number;
  /** The rerun's scores on every split and the scorer version that computed them: what applying it records. */
  rerunScores?: Omit<SubmissionScores, 'scoredAt'>;
  /** Why the rerun produced nothing to score (its failure, in the organisers' wording). */
  failure?: string;
}

export interface RerunRequestRecord {
  pk: string;
  sk: string;
  kind: 'rerun';
  rerunId: string;
  challengeId: string;
  phaseId: string;
  /** The board the teams were ranked on and whose score is compared: private when the phase has a split. */
  split: 'overall' | 'private';
  top: number;
  tolerance: number;
  requestedBy: string;
  requestedAt: string;
  status: RerunStatus;
  teams: RerunTeam[];
  compareJobId?: string;
  startedAt?: string;
  finishedAt?: string;
  results?: RerunResult[];
  message?: string;
  /** Teams whose rerun scores were applied to the board (`apply-rerun.ts`), each once. */
  appliedTeams?: Set<string>;
}

const newRerunId = () => `x-${randomBytes(10).toString('hex')}`;
export const isFinishedRerun = (status: RerunStatus) => status === 'SUCCEEDED' || status === 'FAILED';

export async function findRerun(ctx: PodiumContext, rerunId: string): Promise<RerunRequestRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.rerunRequest(rerunId), ConsistentRead: true }));
  return result.Item as RerunRequestRecord | undefined;
}

export async function getRerun(ctx: PodiumContext, rerunId: string): Promise<RerunRequestRecord> {
  const request = await findRerun(ctx, rerunId);
  if (!request) throw notFound(`rerun request "${rerunId}"`);
  return request;
}

/** The rerun job of one team: the inference job definition, the archive's validated version, outputs under the rerun's keys. */
function rerunJobSpec(
  challenge: Challenge,
  request: RerunRequestRecord,
  team: RerunTeam,
  index: number,
  submission: Parameters<typeof inferenceRunSpec>[1],
): JobSpec {
  const spec = { ...inferenceRunSpec(challenge, submission, team.attempt), rerunId: request.rerunId };
  return {
    kind: 'rerun',
    name: jobName('rerun', request.rerunId, index + 1),
    rerunId: request.rerunId,
    challengeId: request.challengeId,
    phaseId: request.phaseId,
    attempt: index + 1,
    shareIdentifier: RERUN_SHARE,
    timeoutSeconds: spec.runtime.timeLimitSeconds + DEFAULT_PIPELINE_SETTINGS.setupAllowanceSeconds,
    memoryMiB: spec.runtime.memoryMiB,
    gpus: spec.runtime.gpus,
    environment: { [RUN_SPEC_ENV]: JSON.stringify(spec) },
  };
}

/**
 * Records the request (the top `top` teams of the phase's ranking board as they stand now), then
 * submits one rerun job per team and the compare job that depends on them all. When a submit
 * fails, the jobs already submitted are cancelled and the request is left FAILED.
 */
export async function requestRerun(
  ctx: PodiumContext,
  jobRunner: JobRunner,
  input: { challenge: Challenge; phaseId: string; top: number; tolerance: number; requestedBy: string },
): Promise<RerunRequestRecord> {
  const { challenge, phaseId, top, tolerance, requestedBy } = input;
  if (!findPhase(challenge, phaseId)) throw notFound(`phase "${phaseId}" of ${challenge.id}`);
  if (!Number.isInteger(top) || top < 1 || top > MAX_RERUN_TEAMS)
    throw new PodiumError('VALIDATION_FAILED', `top must be a whole number from 1 to ${MAX_RERUN_TEAMS}`);
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new PodiumError('VALIDATION_FAILED', 'tolerance must be a finite number ≥ 0');
  const split = phaseHasSplit(challenge, phaseId) ? 'private' : 'overall';
  const board = await readLeaderboard(ctx, challenge, phaseId, split, { limit: top });
  if (board.entries.length === 0) throw new PodiumError('INVALID_STATE', `the ${split} board of ${challenge.id}/${phaseId} has no team to rerun`);
  const submissions = await Promise.all(board.entries.map((entry) => getSubmission(ctx, entry.submissionId)));
  const teams: RerunTeam[] = board.entries.map((entry, index) => {
    const submission = submissions[index]!;
    if (submission.status !== 'SCORED' || !submission.scores)
      throw new PodiumError('INVALID_STATE', `submission ${submission.id} of rank ${entry.rank} is ${submission.status}`);
    return {
      rank: entry.rank,
      teamId: entry.teamId,
      ...(entry.teamName ? { teamName: entry.teamName } : {}),
      submissionId: submission.id,
      attempt: submission.attempt,
      scores: submission.scores,
    };
  });
  const rerunId = newRerunId();
  const request: RerunRequestRecord = {
    ...keys.rerunRequest(rerunId),
    kind: 'rerun',
    rerunId,
    challengeId: challenge.id,
    phaseId,
    split,
    top,
    tolerance,
    requestedBy,
    requestedAt: ctx.now().toISOString(),
    status: 'QUEUED',
    teams,
  };
  await createIfAbsent(ctx.db, ctx.config.tableName, request);
  await recordAudit(ctx, challenge.id, {
    actor: requestedBy,
    action: 'rerun.requested',
    target: `${challenge.id}/${phaseId}`,
    details: { rerunId, top, tolerance, teams: teams.map((team) => team.teamId) },
  });

  const submitted: string[] = [];
  try {
    for (const [index, team] of teams.entries()) {
      const { jobId } = await jobRunner.submit(rerunJobSpec(challenge, request, team, index, submissions[index]!));
      submitted.push(jobId);
      team.jobId = jobId;
    }
    const compare = await jobRunner.submit({
      kind: 'compare',
      name: jobName('compare', rerunId, 1),
      rerunId,
      challengeId: challenge.id,
      phaseId,
      attempt: 1,
      shareIdentifier: RERUN_SHARE,
      dependsOn: submitted,
      timeoutSeconds: COMPARE_TIMEOUT_SECONDS,
      memoryMiB: 2048,
      gpus: 0,
      environment: { [JOB_ENV.rerunId]: rerunId },
    });
    await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.rerunRequest(rerunId),
        UpdateExpression: 'SET compareJobId = :jobId, teams = :teams',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(compareJobId)',
        ExpressionAttributeValues: { ':jobId': compare.jobId, ':teams': teams },
      }),
    );
  } catch (error) {
    pipelineLog.error('submitting rerun jobs failed', { rerunId, error: String(error) });
    await Promise.allSettled(submitted.map((jobId) => jobRunner.cancel(jobId, 'rerun request failed')));
    await failRerun(ctx, rerunId, 'the rerun jobs could not be submitted; request the rerun again');
    throw new PodiumError('INTERNAL', `rerun ${rerunId} failed: its jobs could not be submitted; try again`, { rerunId });
  }
  return getRerun(ctx, rerunId);
}

export function transitionRerun(
  ctx: PodiumContext,
  rerunId: string,
  step: { from: readonly RerunStatus[]; to: RerunStatus; set?: Record<string, unknown>; setOnce?: Record<string, unknown>; jobId?: string },
): Promise<boolean> {
  return transitionStatus(ctx.db, ctx.config.tableName, keys.rerunRequest(rerunId), {
    from: step.from,
    to: step.to,
    ...(step.set ? { set: step.set } : {}),
    ...(step.setOnce ? { setIfAbsent: step.setOnce } : {}),
    ...(step.jobId !== undefined ? { absentOrEqual: { compareJobId: step.jobId } } : {}),
  });
}

export function failRerun(ctx: PodiumContext, rerunId: string, message: string, jobId?: string): Promise<boolean> {
  return transitionRerun(ctx, rerunId, {
    from: ['QUEUED', 'RUNNING'],
    to: 'FAILED',
    set: { message, finishedAt: ctx.now().toISOString() },
    ...(jobId ? { jobId } : {}),
  });
}

/**
 * The compare job records the outcome; one that ended without it (a rerun job's platform failure
 * fails it as a dependency, or it was killed) leaves the request FAILED here. Rerun jobs' own
 * events change nothing: their outcomes are the compare job's input.
 */
export async function onRerunEvent(ctx: PodiumContext, event: RerunJobStateEvent): Promise<'unchanged' | 'ignored' | 'failed'> {
  if (event.kind !== 'compare' || (event.status !== 'SUCCEEDED' && event.status !== 'FAILED')) return 'unchanged';
  const request = await findRerun(ctx, event.rerunId);
  if (!request) {
    pipelineLog.warn('job event for an unknown rerun request', { jobId: event.jobId, rerunId: event.rerunId });
    return 'ignored';
  }
  if (isFinishedRerun(request.status)) return 'unchanged';
  const message =
    event.status === 'SUCCEEDED'
      ? 'the compare job ended without recording an outcome; request the rerun again'
      : event.statusReason?.includes('Dependent Job failed')
        ? 'a rerun job failed on a platform error, so nothing was compared; request the rerun again'
        : `the compare job failed${event.statusReason ? ` (${event.statusReason})` : ''}; the scoring job log has the details`;
  return (await failRerun(ctx, event.rerunId, message, event.jobId)) ? 'failed' : 'unchanged';
}
