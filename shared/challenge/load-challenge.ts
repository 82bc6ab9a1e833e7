import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PodiumError } from '../errors.ts';
import { challengeFileSchema, type ChallengeFile } from './definition-schema.ts';

export const CHALLENGE_FILE_NAME = 'challenge.yaml';

/** A validated challenge: the file, its pages, and the content-addressed rules version. */
export interface Challenge extends ChallengeFile {
  descriptionMarkdown: string;
  rulesMarkdown: string;
  /** First 16 hex digits of the SHA-256 of the rules page: participants accept this exact text. */
  rulesVersion: string;
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

function invalid(source: string, issues: DefinitionIssue[]): PodiumError {
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new PodiumError('CHALLENGE_INVALID', `${source} is invalid: ${summary}`, { issues });
}

/** Validates the parsed YAML of a challenge file; throws CHALLENGE_INVALID naming each bad field. */
export function parseChallengeFile(raw: unknown, source = CHALLENGE_FILE_NAME): ChallengeFile {
  const parsed = challengeFileSchema.safeParse(raw);
  if (!parsed.success) throw invalid(source, issuesOf(parsed.error));
  return parsed.data;
}

/** Parses YAML text; syntax errors name the line and column. */
export function parseChallengeYaml(text: string, source = CHALLENGE_FILE_NAME): ChallengeFile {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw invalid(
      source,
      document.errors.map((error) => ({
        field: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '(yaml)',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  return parseChallengeFile(document.toJS(), source);
}

/**
 * Loads `<dir>/challenge.yaml` and its pages. Pages are resolved inside the challenge folder only.
 *
 * @example const challenge = await loadChallenge('examples/tissuenet');
 */
export async function loadChallenge(dir: string): Promise<Challenge> {
  const root = resolve(dir);
  const source = join(dir, CHALLENGE_FILE_NAME);
  let text: string;
  try {
    text = await readFile(join(root, CHALLENGE_FILE_NAME), 'utf8');
  } catch {
    throw new PodiumError('CHALLENGE_INVALID', `${source} could not be read: no challenge file in ${dir}`);
  }
  const file = parseChallengeYaml(text, source);
  const readPage = async (field: 'description' | 'rules'): Promise<string> => {
    const pagePath = resolve(root, file.pages[field]);
    if (!pagePath.startsWith(root + '/')) {
      throw invalid(source, [{ field: `pages.${field}`, message: 'must stay inside the challenge folder' }]);
    }
    try {
      return await readFile(pagePath, 'utf8');
    } catch {
      throw invalid(source, [{ field: `pages.${field}`, message: `file ${file.pages[field]} could not be read` }]);
    }
  };
  const [descriptionMarkdown, rulesMarkdown] = await Promise.all([readPage('description'), readPage('rules')]);
  return { ...file, descriptionMarkdown, rulesMarkdown, rulesVersion: rulesVersionOf(rulesMarkdown) };
}

export function findPhase(challenge: ChallengeFile, phaseId: string) {
  return challenge.phases.find((phase) => phase.id === phaseId);
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
