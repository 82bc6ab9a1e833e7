import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { PhaseRuntime } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SubmissionRecord } from './submission-record.ts';

export type LogAudience = 'team' | 'organiser';

/**
 * What a run's log shows to whom. The pipeline stores the full (capped, sanitised) log; the
 * phase's policy is applied here on read: smoke runs use public data, so their team sees all of
 * it; scored runs on hidden data show the team the last N lines or nothing. Organisers see all.
 */
export function effectiveLogPolicy(runtime: PhaseRuntime, submission: SubmissionRecord, audience: LogAudience): PhaseRuntime['logPolicy'] {
  if (audience === 'organiser' || submission.mode === 'smoke') return 'full';
  return runtime.logPolicy;
}

export async function readSubmissionLog(ctx: PodiumContext, runtime: PhaseRuntime, submission: SubmissionRecord, audience: LogAudience) {
  const policy = effectiveLogPolicy(runtime, submission, audience);
  if (policy === 'none') return { policy, lines: [] as string[], truncated: false };
  let text = '';
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submission.id) }));
    text = await object.Body!.transformToString('utf8');
  } catch (error) {
    if ((error as Error).name !== 'NoSuchKey') throw error;
  }
  const lines = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
  if (policy === 'tail' && lines.length > runtime.logTailLines) {
    return { policy, lines: lines.slice(-runtime.logTailLines), truncated: true };
  }
  return { policy, lines, truncated: false };
}
