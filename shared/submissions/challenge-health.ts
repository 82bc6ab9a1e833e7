import type { Challenge } from '../challenge/challenge.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type { PodiumContext } from '../context.ts';
import { queryItems } from '../storage/query-all.ts';
import { BY_PHASE_INDEX } from '../storage/table-design.ts';
import { listTeams } from '../teams/team-record.ts';
import { readTrainingBudget } from '../training/training-budget.ts';
import { phaseSubmissionsPartition } from './submission-record.ts';
import type { FailureReason, SubmissionStatus } from './submission-status.ts';

/** Waiting for a GPU (uploaded, validated or queued) versus running (inference or scoring). */
const WAITING: readonly SubmissionStatus[] = ['UPLOADED', 'VALIDATED', 'QUEUED'];
const IN_FLIGHT: readonly SubmissionStatus[] = ['RUNNING', 'SCORING'];

export interface PhaseHealth {
  phaseId: string;
  submissions: number;
  /** Submissions waiting for a run: uploaded, validated or queued. */
  queueDepth: number;
  /** Runs going on now: inference or scoring. */
  runsInFlight: number;
  scored: number;
  failed: number;
  /** failed / (scored + failed): runs that finished; null before any did. */
  failureRate: number | null;
  failuresByReason: Partial<Record<FailureReason, number>>;
  /** GPU-hours the phase's scored and failed runs used (their recorded `run.gpuSeconds`). */
  inferenceGpuHours: number;
  /** GPU-hours the teams' training jobs were charged on the phase (their budgets' `usedGpuSeconds`); 0 without training. */
  trainingGpuHours: number;
}

type HealthFields = { status: SubmissionStatus; failure?: { reason: FailureReason }; run?: { gpuSeconds: number } };

const hours = (seconds: number) => Math.round((seconds / 3600) * 1000) / 1000;

/**
 * A challenge's pipeline at a glance, per phase, for its organisers: one query of each phase's
 * submissions index partition (only the three attributes counted are read), one of its teams, and
 * one read per team of each phase offering training. No scan.
 */
export async function challengeHealth(ctx: PodiumContext, challenge: Challenge): Promise<PhaseHealth[]> {
  const trainingPhases = challenge.phases.filter((phase) => phase.training);
  const teams = trainingPhases.length ? (await listTeams(ctx, challenge.id)).filter((team) => !team.mergedInto) : [];
  return Promise.all(
    challenge.phases.map(async (phase) => {
      const health: PhaseHealth = {
        phaseId: phase.id,
        submissions: 0,
        queueDepth: 0,
        runsInFlight: 0,
        scored: 0,
        failed: 0,
        failureRate: null,
        failuresByReason: {},
        inferenceGpuHours: 0,
        trainingGpuHours: 0,
      };
      let gpuSeconds = 0;
      const items = queryItems<HealthFields>(ctx.db, {
        TableName: ctx.config.tableName,
        IndexName: BY_PHASE_INDEX.name,
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#status, failure.reason, #run.gpuSeconds',
        ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition, '#status': 'status', '#run': 'run' },
        ExpressionAttributeValues: { ':pk': phaseSubmissionsPartition(challenge.id, phase.id) },
      });
      for await (const submission of items) {
        health.submissions += 1;
        if (WAITING.includes(submission.status)) health.queueDepth += 1;
        if (IN_FLIGHT.includes(submission.status)) health.runsInFlight += 1;
        if (submission.status === 'SCORED') health.scored += 1;
        if (submission.status === 'FAILED') {
          health.failed += 1;
          const reason = submission.failure?.reason ?? 'PLATFORM_ERROR';
          health.failuresByReason[reason] = (health.failuresByReason[reason] ?? 0) + 1;
        }
        gpuSeconds += submission.run?.gpuSeconds ?? 0;
      }
      const finished = health.scored + health.failed;
      health.failureRate = finished ? Math.round((health.failed / finished) * 1000) / 1000 : null;
      health.inferenceGpuHours = hours(gpuSeconds);
      if (phase.training) {
        const budgets = await mapWithConcurrency(teams, 8, (team) => readTrainingBudget(ctx, challenge.id, phase.id, team.teamId));
        health.trainingGpuHours = hours(budgets.reduce((total, budget) => total + (budget?.usedGpuSeconds ?? 0), 0));
      }
      return health;
    }),
  );
}
