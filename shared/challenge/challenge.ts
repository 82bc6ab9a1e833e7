import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { PodiumError } from '../errors.ts';
import { challengeFileSchema, type ChallengeFile, type TabPage } from './definition-schema.ts';
import type { ScoringProgram } from './scoring-program.ts';

// A challenge once parsed: validation of the parsed file and lookups, with no YAML and no file
// system, so the Lambdas (which take challenges as JSON) never bundle a YAML parser.
// Reading `challenge.yaml` from a folder is `load-challenge.ts`.

export const CHALLENGE_FILE_NAME = 'challenge.yaml';

/** A validated challenge: the file, its pages, and the content-addressed rules version. */
export interface Challenge extends ChallengeFile {
  /** The Overview tab's page (`pages.overview`, formerly `pages.description`). */
  descriptionMarkdown: string;
  /** The data, evaluation and submission-format pages the file names (none on older definitions). */
  pagesMarkdown?: Partial<Record<TabPage, string>>;
  rulesMarkdown: string;
  /** First 16 hex digits of the SHA-256 of the rules page: participants accept this exact text. */
  rulesVersion: string;
  /** The program a `kind: program` metric names, with its digest; absent for built-in metrics. */
  scoringProgram?: ScoringProgram;
}

export interface DefinitionIssue {
  /** Dotted path to the field, such as `phases[1].opens`. */
  field: string;
  message: string;
}

export function rulesVersionOf(rulesMarkdown: string): string {
  return createHash('sha256').update(rulesMarkdown, 'utf8').digest('hex').slice(0, 16);
}

export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || '(root)';
}

export function issuesOf(error: z.ZodError): DefinitionIssue[] {
  return error.issues.map((issue) => ({ field: formatFieldPath(issue.path), message: issue.message }));
}

/** CHALLENGE_INVALID for `source`, naming each bad field in the message and in `details.issues`. */
export function invalidChallenge(source: string, issues: DefinitionIssue[]): PodiumError {
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new PodiumError('CHALLENGE_INVALID', `${source} is invalid: ${summary}`, { issues });
}

/** Validates a parsed challenge file (from YAML or JSON); throws CHALLENGE_INVALID naming each bad field. */
export function parseChallengeFile(raw: unknown, source = CHALLENGE_FILE_NAME): ChallengeFile {
  const parsed = challengeFileSchema.safeParse(raw);
  if (!parsed.success) throw invalidChallenge(source, issuesOf(parsed.error));
  return parsed.data;
}

export function findPhase(challenge: ChallengeFile, phaseId: string) {
  return challenge.phases.find((phase) => phase.id === phaseId);
}

/**
 * The phase `phaseId` of a challenge, or NOT_FOUND naming it and the phases there are. Takes a
 * challenge file or any view of one with its phases (the CLI's, from the API).
 *
 * @example const phase = requirePhase(challenge, submission.phaseId);
 */
export function requirePhase<Phase extends { id: string }>(challenge: { id: string; phases: readonly Phase[] }, phaseId: string): Phase {
  const phase = challenge.phases.find((candidate) => candidate.id === phaseId);
  if (phase) return phase;
  const phases = challenge.phases.map((candidate) => candidate.id);
  throw new PodiumError('NOT_FOUND', `phase "${phaseId}" was not found in challenge ${challenge.id} (its phases: ${phases.join(', ')})`, { phases });
}

export function findDataset(challenge: ChallengeFile, datasetId: string) {
  return challenge.datasets.find((dataset) => dataset.id === datasetId);
}

/** The smoke dataset a phase's smoke runs use: its own, else the challenge's first smoke dataset. */
export function smokeDatasetOf(challenge: ChallengeFile, phaseId: string) {
  const phase = findPhase(challenge, phaseId);
  const id = phase?.smokeDataset ?? challenge.datasets.find((dataset) => dataset.kind === 'smoke')?.id;
  return id ? findDataset(challenge, id) : undefined;
}
