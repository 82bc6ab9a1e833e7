import { GetObjectCommand } from '@aws-sdk/client-s3';
import { recordAudit } from '../audit/audit-log.ts';
import type { PodiumContext } from '../context.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SubmissionRecord } from './submission-record.ts';

/**
 * `full`: every line the run printed (capped and sanitised when captured). `hidden`: nothing, because
 * the code ran on hidden data and anything it printed could carry that data out.
 */
export type LogVisibility = 'full' | 'hidden';

export interface SubmissionLog {
  visibility: LogVisibility;
  lines: string[];
  /** Why nothing is shown, in words a competitor can act on. */
  note?: string;
}

const HIDDEN_RUN_NOTE =
  'This run used hidden data, so nothing it printed is shown to teams. Smoke runs (podium submit --smoke) and podium test-submission show the full log.';

/** What a team may read of its own run's log: all of a smoke run (public data), nothing of a run on hidden data. */
export function teamLogVisibility(submission: Pick<SubmissionRecord, 'mode'>): LogVisibility {
  return submission.mode === 'smoke' ? 'full' : 'hidden';
}

async function readLogLines(ctx: PodiumContext, submission: SubmissionRecord): Promise<string[]> {
  let text = '';
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submission.id, submission.attempt) }));
    text = await object.Body!.transformToString('utf8');
  } catch (error) {
    if ((error as Error).name !== 'NoSuchKey') throw error;
  }
  return text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
}

/** A team's view of its run's log. A run on hidden data is not even read from storage. */
export async function readTeamLog(ctx: PodiumContext, submission: SubmissionRecord): Promise<SubmissionLog> {
  if (teamLogVisibility(submission) === 'hidden') return { visibility: 'hidden', lines: [], note: HIDDEN_RUN_NOTE };
  return { visibility: 'full', lines: await readLogLines(ctx, submission) };
}

/** An organiser's read of any run's full log; each read is audit-logged, since it may show hidden data. */
export async function readOrganiserLog(ctx: PodiumContext, submission: SubmissionRecord, organiserId: string): Promise<SubmissionLog> {
  await recordAudit(ctx, submission.challengeId, {
    actor: organiserId,
    action: 'submission.logs.read',
    target: submission.id,
    details: { mode: submission.mode, attempt: submission.attempt },
  });
  return { visibility: 'full', lines: await readLogLines(ctx, submission) };
}
