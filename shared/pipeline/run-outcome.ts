import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { FAILURE_REASONS } from '../submissions/submission-status.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { runUsageSchema } from './run-usage.ts';

/**
 * What the inference launcher reports about one attempt, written to the predictions bucket next to
 * the attempt's predictions (`objectKeys.runOutcome`). The scoring job, which may write the table,
 * records it on the submission. Competitor code never holds credentials, so it cannot forge this.
 */
/** SHA-256 (hex) of the archive as the launcher fetched it: what a score receipt names. Absent from older outcomes. */
const archiveSha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .optional();

export const runOutcomeSchema = z.discriminatedUnion('result', [
  z.object({
    result: z.literal('predicted'),
    submissionId: z.string(),
    attempt: z.number().int(),
    rows: z.number().int().nonnegative(),
    archiveSha256,
    durationMs: z.number().optional(),
    /** What the code used (rounded); absent from outcomes written before it was reported. */
    run: runUsageSchema.optional(),
  }),
  z.object({
    result: z.literal('failed'),
    submissionId: z.string(),
    attempt: z.number().int(),
    failure: z.object({ reason: z.enum(FAILURE_REASONS), message: z.string(), summary: z.string() }),
    /** Whether the competitor's code ran on the inputs before it failed (archive problems come first). */
    codeRan: z.boolean(),
    archiveSha256,
    durationMs: z.number().optional(),
    /** What the code used before it failed (rounded); absent when it never ran. */
    run: runUsageSchema.optional(),
  }),
]);

export type RunOutcome = z.infer<typeof runOutcomeSchema>;

export async function writeRunOutcome(
  s3: S3Client,
  bucket: string,
  outcome: RunOutcome,
  key = objectKeys.runOutcome(outcome.submissionId, outcome.attempt),
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(outcome),
      ContentType: 'application/json',
    }),
  );
}

/** The attempt's outcome, or undefined when the launcher wrote none (it crashed, or it is an older attempt). */
export async function readRunOutcome(
  s3: S3Client,
  bucket: string,
  submissionId: string,
  attempt: number,
  key = objectKeys.runOutcome(submissionId, attempt),
): Promise<RunOutcome | undefined> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = await object.Body!.transformToString('utf8');
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
  const parsed = runOutcomeSchema.safeParse(JSON.parse(text));
  if (!parsed.success || parsed.data.submissionId !== submissionId || parsed.data.attempt !== attempt) {
    throw new Error(`the run outcome of ${submissionId} attempt ${attempt} is malformed`);
  }
  return parsed.data;
}
