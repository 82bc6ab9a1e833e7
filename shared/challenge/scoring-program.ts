import { createHash } from 'node:crypto';
import { MAX_SCORING_PROGRAM_BYTES } from './definition-schema.ts';

/**
 * An organiser's scoring program as the platform keeps it: the challenge record carries its text
 * (as it carries the pages), so the scoring job, which already reads that record, needs no other
 * grant to fetch it. `sha256` is the program's digest, recorded as the scorer version.
 */
export interface ScoringProgram {
  /** As the challenge file names it (`metric.path`). */
  path: string;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  /** The file's text (UTF-8). */
  source: string;
}

/** Why a program's text cannot be used, or undefined: empty, or over the size limit. */
export function scoringProgramProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'is empty';
  // The program travels in the challenge record, one DynamoDB item of at most 400 KB.
  if (bytes.length > MAX_SCORING_PROGRAM_BYTES) return `is ${bytes.length} bytes, over the limit of ${MAX_SCORING_PROGRAM_BYTES}`;
  return undefined;
}

/** The program a challenge file's `metric` names, from its bytes (UTF-8, already checked by scoringProgramProblem). */
export function scoringProgramFrom(path: string, bytes: Uint8Array): ScoringProgram {
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), source: Buffer.from(bytes).toString('utf8') };
}
