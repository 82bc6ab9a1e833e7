import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Challenge } from '../challenge/challenge.ts';
import { findPhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { pipelineLog } from '../pipeline/pipeline-log.ts';
import { readRunOutcome } from '../pipeline/run-outcome.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import type { ReceiptSigner } from './receipt-signer.ts';
import { publishReceiptKey } from './receipt-keys.ts';
import { findReceipt, storeReceipt } from './receipt-record.ts';
import { RECEIPT_ALGORITHM, RECEIPT_FORMAT, statementBytes, type ReceiptStatement, type SignedReceipt } from './score-receipt.ts';

/** What the scoring job signs with, from its job definition. */
export interface ReceiptIssuer {
  signer: ReceiptSigner;
  /** The image the inference job ran in (`cdk-asset:<hash>` on AWS, `host` under the local runner). */
  runtimeImage: string;
}

/** The job definition's variable naming the inference image (see ReceiptIssuer.runtimeImage). */
export const RUNTIME_IMAGE_ENV = 'PODIUM_RUNTIME_IMAGE';

/**
 * Signs and stores the receipt of a scored submission's current scores, once: a rerun of the job
 * (or a crash between the score and the receipt, repaired by the rerun) finds it stored and signs
 * nothing. Smoke runs get none: their data is public and they never rank. Without the evidence (no
 * archive digest in the run outcome, no hidden manifest) none is issued: a receipt never states a guess.
 */
export async function issueReceipt(
  ctx: PodiumContext,
  issuer: ReceiptIssuer,
  challenge: Challenge,
  submission: SubmissionRecord,
): Promise<SignedReceipt | undefined> {
  const scores = submission.scores;
  if (submission.mode === 'smoke' || submission.status !== 'SCORED' || !scores) return undefined;
  const existing = await findReceipt(ctx, submission.id, scores);
  if (existing) return existing;

  const phase = findPhase(challenge, submission.phaseId);
  if (!phase) throw new PodiumError('NOT_FOUND', `phase "${submission.phaseId}" was not found in challenge "${challenge.id}"`);
  const run = await readRunOutcome(ctx.s3, ctx.config.predictionsBucket, submission.id, submission.attempt);
  const manifestSha256 = await hiddenManifestSha256(ctx, challenge.id, phase.dataset);
  if (!run?.archiveSha256 || !manifestSha256) {
    // Scored before receipts existed (no digest in the outcome) or data uploaded before manifests: no receipt rather than a guess.
    pipelineLog.warn('no receipt: evidence missing', {
      submissionId: submission.id,
      archiveDigest: Boolean(run?.archiveSha256),
      hiddenManifest: Boolean(manifestSha256),
    });
    return undefined;
  }
  const statement: ReceiptStatement = {
    format: RECEIPT_FORMAT,
    challengeId: challenge.id,
    phaseId: submission.phaseId,
    submissionId: submission.id,
    teamId: submission.teamId,
    attempt: submission.attempt,
    runtimeImage: issuer.runtimeImage,
    archive: { sha256: run.archiveSha256, ...(submission.archiveBytes !== undefined ? { bytes: submission.archiveBytes } : {}) },
    hiddenData: { datasetId: phase.dataset, manifestSha256 },
    scorer: { version: scores.scorerVersion },
    scores: {
      overall: scores.overall,
      ...(scores.public !== undefined ? { public: scores.public } : {}),
      ...(scores.private !== undefined ? { private: scores.private } : {}),
      ...(scores.secondary ? { secondary: scores.secondary } : {}),
    },
    scoredAt: scores.scoredAt,
    signedAt: ctx.now().toISOString(),
  };
  // Published before the first receipt it verifies; repeated per job, the write is a no-op after the first.
  await publishReceiptKey(ctx, await issuer.signer.publicKey());
  const signature = await issuer.signer.sign(statementBytes(statement));
  return storeReceipt(ctx, {
    statement,
    signature: { algorithm: RECEIPT_ALGORITHM, keyId: issuer.signer.keyId, value: Buffer.from(signature).toString('base64') },
  });
}

async function hiddenManifestSha256(ctx: PodiumContext, challengeId: string, datasetId: string): Promise<string | undefined> {
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.hiddenBucket, Key: objectKeys.hiddenManifest(challengeId, datasetId) }));
    return createHash('sha256')
      .update(await object.Body!.transformToByteArray())
      .digest('hex');
  } catch (error) {
    // Uploaded before manifests were written: `podium upload-data` again writes it.
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
