import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { readRunOutcome } from '../pipeline/run-outcome.ts';
import { scoreStoredPredictions } from '../scoring/score-stored-predictions.ts';
import { scorerVersionOf } from '../scoring/scorer-version.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { getSubmission } from '../submissions/submission-record.ts';
import { comparePredictions, type Agreement } from './compare-predictions.ts';
import { getRerun, isFinishedRerun, transitionRerun, type RerunRequestRecord, type RerunResult, type RerunTeam } from './rerun-request.ts';

const ORDER: Agreement[] = ['identical', 'within-tolerance', 'different'];
const worse = (a: Agreement, b: Agreement): Agreement => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

async function objectBytes(ctx: PodiumContext, key: string): Promise<Uint8Array | undefined> {
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: key }));
    return await object.Body!.transformToByteArray();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** One team: the rerun's outcome, its predictions against the original's, its score against the original's. */
async function compareTeam(ctx: PodiumContext, challenge: Challenge, request: RerunRequestRecord, team: RerunTeam): Promise<RerunResult> {
  const outputs = objectKeys.rerunOutputs(request.rerunId, team.submissionId);
  const originalScore = team.scores[request.split] ?? team.scores.overall;
  const base = { rank: team.rank, teamId: team.teamId, ...(team.teamName ? { teamName: team.teamName } : {}), submissionId: team.submissionId, originalScore };
  const outcome = await readRunOutcome(ctx.s3, ctx.config.predictionsBucket, team.submissionId, team.attempt, outputs.outcome);
  if (!outcome) throw new Error(`the rerun of ${team.submissionId} reported no outcome`);
  if (outcome.result === 'failed') {
    return { ...base, verdict: 'different', predictions: { agreement: 'different', note: 'the rerun wrote no predictions' }, failure: outcome.failure.message };
  }
  const original = await objectBytes(ctx, objectKeys.predictions(team.submissionId, team.attempt));
  const rerun = await objectBytes(ctx, outputs.predictions);
  if (!original || !rerun) throw new Error(`the ${original ? 'rerun' : 'original'} predictions of ${team.submissionId} are missing`);
  const predictions = await comparePredictions(original, rerun, request.tolerance);
  const scored = await scoreStoredPredictions(ctx, challenge, await getSubmission(ctx, team.submissionId), outputs.predictions);
  if (!scored?.ok) {
    return { ...base, verdict: 'different', predictions, failure: scored ? `the rerun's predictions are invalid: ${scored.message}` : 'nothing to score' };
  }
  const rerunScore = scored.scores[request.split] ?? scored.scores.overall;
  const scoreDifference = rerunScore - originalScore;
  const scoreAgreement: Agreement = scoreDifference === 0 ? 'identical' : Math.abs(scoreDifference) <= request.tolerance ? 'within-tolerance' : 'different';
  // Every split's scores, under the scorer that computed them: what applying the rerun records.
  const rerunScores = { ...scored.scores, scorerVersion: scorerVersionOf(challenge) };
  return { ...base, verdict: worse(predictions.agreement, scoreAgreement), predictions, rerunScore, scoreDifference, rerunScores };
}

/**
 * The compare job of a rerun request (scoring image and role: it reads labels to score the
 * reruns). Records each team's verdict on the request; changes no submission, score, quota or
 * board. Safe to run again: a finished request is left as it is.
 */
export async function runCompareJob(ctx: PodiumContext, rerunId: string): Promise<RerunRequestRecord> {
  const request = await getRerun(ctx, rerunId);
  if (isFinishedRerun(request.status)) return request;
  await transitionRerun(ctx, rerunId, { from: ['QUEUED', 'RUNNING'], to: 'RUNNING', setOnce: { startedAt: ctx.now().toISOString() } });
  const challenge = await getChallenge(ctx, request.challengeId);
  const results: RerunResult[] = [];
  for (const team of request.teams) results.push(await compareTeam(ctx, challenge, request, team));
  await transitionRerun(ctx, rerunId, { from: ['RUNNING'], to: 'SUCCEEDED', set: { results, finishedAt: ctx.now().toISOString() } });
  return getRerun(ctx, rerunId);
}
