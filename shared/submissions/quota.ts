import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { addMemberWithinLimit, membersOf, removeMember, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionMode, SubmissionRecord } from './submission-record.ts';
import { isTerminal, type FailureReason } from './submission-status.ts';

/**
 * Quotas per team and phase: a per-UTC-day window, a total, and the runs in flight. Each is a
 * counter item whose count is the size of a set of submission ids, changed by conditional ADD and
 * by DELETE of one id: charging or refunding the same submission twice changes nothing, so a
 * retried request, a duplicate event or a crash between two writes never leaves a counter wrong.
 * Racing requests for the last slot: exactly one wins. Smoke runs are never charged; they only
 * hold their own in-flight slot (one at a time).
 */
export const COUNTER = {
  total: 'TOTAL',
  running: 'RUNNING',
  smokeRunning: 'SMOKE_RUNNING',
  day: (day: string) => `DAY#${day}`,
} as const;

export const SMOKE_CONCURRENCY = 1;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
export const nextUtcMidnight = (at: Date): string => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1)).toISOString();

type QuotaLimit = 'perDay' | 'total' | 'concurrent';

function quotaExceeded(limit: QuotaLimit, now: Date): PodiumError {
  const nextAllowedAt = limit === 'perDay' ? nextUtcMidnight(now) : null;
  const message = {
    perDay: `the daily submission quota is used up; the next submission is allowed at ${nextAllowedAt} (UTC midnight)`,
    total: 'the total submission quota of this phase is used up',
    concurrent: 'the team already has the maximum number of submissions in flight; wait for one to finish',
  }[limit];
  return new PodiumError('QUOTA_EXCEEDED', message, { limit, nextAllowedAt });
}

/**
 * Reserves one submission for a team in a phase, or throws QUOTA_EXCEEDED (429) with
 * `nextAllowedAt`. Counters taken before a refusal are given back, so a refusal charges nothing.
 */
export async function reserveQuota(
  ctx: PodiumContext,
  challengeId: string,
  phase: PhaseDefinition,
  teamId: string,
  submissionId: string,
  mode: SubmissionMode = 'scored',
): Promise<{ quotaDay?: string }> {
  const table = ctx.config.tableName;
  const now = ctx.now();
  const counterKey = (window: string) => keys.quotaCounter(challengeId, phase.id, teamId, window);
  if (mode === 'smoke') {
    if (!(await addMemberWithinLimit(ctx.db, table, counterKey(COUNTER.smokeRunning), submissionId, SMOKE_CONCURRENCY))) {
      throw quotaExceeded('concurrent', now);
    }
    return {};
  }
  const day = utcDay(now);
  const steps: { window: string; limit: number; name: QuotaLimit }[] = [
    { window: COUNTER.running, limit: phase.quota.concurrent, name: 'concurrent' },
    { window: COUNTER.day(day), limit: phase.quota.perDay ?? UNLIMITED, name: 'perDay' },
    { window: COUNTER.total, limit: phase.quota.total ?? UNLIMITED, name: 'total' },
  ];
  const taken: string[] = [];
  for (const step of steps) {
    const added = await addMemberWithinLimit(ctx.db, table, counterKey(step.window), submissionId, step.limit, { updatedAt: now.toISOString() });
    if (!added) {
      await Promise.all(taken.map((window) => removeMember(ctx.db, table, counterKey(window), submissionId)));
      throw quotaExceeded(step.name, now);
    }
    taken.push(step.window);
  }
  return { quotaDay: day };
}

/** Failures that happen before competitor code runs: the archive was refused (on upload, or when extracted). */
const BEFORE_CODE_RAN: readonly FailureReason[] = ['ARCHIVE_INVALID', 'ARCHIVE_UNSAFE_PATH', 'ARCHIVE_TOO_LARGE', 'MAIN_PY_MISSING'];

/**
 * Whether a terminal submission's daily and total charge is given back. A run that failed after
 * its code started on hidden data is charged whatever `countFailed` says: each failure can carry
 * a few bits of the hidden data out (its category, its counts, its timing), so probing has a
 * price. `countFailed: false` forgives only failures before the code ran, and platform errors
 * are never charged (docs/THREAT-MODEL.md, "Probing hidden data through failures").
 */
export function isRefunded(submission: SubmissionRecord, phase: PhaseDefinition): boolean {
  if (submission.status === 'CANCELLED') return true;
  if (submission.status === 'SCORED') return false;
  const reason = submission.failure?.reason;
  if (reason === 'PLATFORM_ERROR') return true;
  return !phase.quota.countFailed && reason !== undefined && BEFORE_CODE_RAN.includes(reason);
}

/**
 * Applies the quota consequences of a terminal submission: frees its in-flight slot and refunds
 * its charge where the phase says so. Each step removes this submission's id from a counter, which
 * is idempotent, and `quotaSettledAt` is written last: a crash half-way leaves the submission
 * unsettled and the reconciler settles it again without changing what was already applied.
 */
export async function settleQuota(ctx: PodiumContext, submission: SubmissionRecord, phase: PhaseDefinition): Promise<boolean> {
  if (!isTerminal(submission.status) || submission.quotaSettledAt) return false;
  const table = ctx.config.tableName;
  const counterKey = (window: string) => keys.quotaCounter(submission.challengeId, submission.phaseId, submission.teamId, window);
  const release = (window: string) => removeMember(ctx.db, table, counterKey(window), submission.id);
  if (submission.mode === 'smoke') {
    await release(COUNTER.smokeRunning);
  } else {
    await release(COUNTER.running);
    if (isRefunded(submission, phase)) {
      if (submission.quotaDay) await release(COUNTER.day(submission.quotaDay));
      await release(COUNTER.total);
    }
  }
  return writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: table,
      Key: keys.submission(submission.id),
      UpdateExpression: 'SET quotaSettledAt = :at',
      ConditionExpression: 'attribute_not_exists(quotaSettledAt) AND #status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':at': ctx.now().toISOString(), ':status': submission.status },
    }),
  );
}

export interface RemainingQuota {
  perDay: { limit: number | null; used: number; remaining: number | null; resetsAt: string };
  total: { limit: number | null; used: number; remaining: number | null };
  concurrent: { limit: number; running: number };
  /** When the next scored submission is allowed: now, the next UTC midnight, or null when never / when a run finishes. */
  nextAllowedAt: string | null;
}

/** How many submissions a counter holds. */
export async function counterValue(ctx: PodiumContext, key: { pk: string; sk: string }): Promise<number> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: key, ConsistentRead: true }));
  return membersOf(result.Item).size;
}

export async function remainingQuota(ctx: PodiumContext, challengeId: string, phase: PhaseDefinition, teamId: string): Promise<RemainingQuota> {
  const now = ctx.now();
  const counterKey = (window: string) => keys.quotaCounter(challengeId, phase.id, teamId, window);
  const [today, total, running] = await Promise.all([
    counterValue(ctx, counterKey(COUNTER.day(utcDay(now)))),
    counterValue(ctx, counterKey(COUNTER.total)),
    counterValue(ctx, counterKey(COUNTER.running)),
  ]);
  const perDayLimit = phase.quota.perDay ?? null;
  const totalLimit = phase.quota.total ?? null;
  const dayLeft = perDayLimit === null ? null : Math.max(0, perDayLimit - today);
  const totalLeft = totalLimit === null ? null : Math.max(0, totalLimit - total);
  let nextAllowedAt: string | null = now.toISOString();
  if (totalLeft === 0) nextAllowedAt = null;
  else if (dayLeft === 0) nextAllowedAt = nextUtcMidnight(now);
  else if (running >= phase.quota.concurrent) nextAllowedAt = null;
  return {
    perDay: { limit: perDayLimit, used: today, remaining: dayLeft, resetsAt: nextUtcMidnight(now) },
    total: { limit: totalLimit, used: total, remaining: totalLeft },
    concurrent: { limit: phase.quota.concurrent, running },
    nextAllowedAt,
  };
}

/**
 * Gives back a reservation whose submission was never created (the record or upload setup failed
 * after `reserveQuota`), so a platform fault charges nothing.
 */
export async function releaseReservation(
  ctx: PodiumContext,
  challengeId: string,
  phase: PhaseDefinition,
  teamId: string,
  submissionId: string,
  mode: SubmissionMode,
  quotaDay: string | undefined,
): Promise<void> {
  const table = ctx.config.tableName;
  const release = (window: string) => removeMember(ctx.db, table, keys.quotaCounter(challengeId, phase.id, teamId, window), submissionId);
  if (mode === 'smoke') {
    await release(COUNTER.smokeRunning);
    return;
  }
  await Promise.all([release(COUNTER.running), release(COUNTER.total), ...(quotaDay ? [release(COUNTER.day(quotaDay))] : [])]);
}
