import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { parseDocument } from 'yaml';
import { PodiumError } from '../errors.ts';
import { CHALLENGE_FILE_NAME, invalidChallenge, parseChallengeFile, rulesVersionOf, type Challenge } from './challenge.ts';
import { PAGE_MAX_BYTES, TAB_PAGES, type ChallengeFile } from './definition-schema.ts';
import { scoringProgramFrom, scoringProgramProblem, type ScoringProgram } from './scoring-program.ts';

// Reading a challenge folder: YAML and the file system. Code that runs in a Lambda imports
// `./challenge.ts` instead, so its bundle carries no YAML parser; the re-export below keeps the
// names that tools, tests and infra import from here working.
export * from './challenge.ts';

/** Parses YAML text; syntax errors name the line and column. */
export function parseChallengeYaml(text: string, source = CHALLENGE_FILE_NAME): ChallengeFile {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw invalidChallenge(
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
  const readPage = async (field: keyof ChallengeFile['pages']): Promise<string | undefined> => {
    const path = file.pages[field];
    if (path === undefined) return undefined;
    const refuse = (message: string) => invalidChallenge(source, [{ field: `pages.${field}`, message }]);
    const pagePath = resolve(root, path);
    if (!pagePath.startsWith(root + '/')) throw refuse('must stay inside the challenge folder');
    const bytes = await readFile(pagePath).catch(() => undefined);
    if (!bytes) throw refuse(`file ${path} could not be read`);
    if (bytes.length > PAGE_MAX_BYTES) throw refuse(`file ${path} is ${bytes.length} bytes; a page may have at most ${PAGE_MAX_BYTES}`);
    if (!isUtf8(bytes)) throw refuse(`file ${path} is not UTF-8 text`);
    return bytes.toString('utf8');
  };
  const [overview, rulesMarkdown, ...tabPages] = await Promise.all([
    readPage(file.pages.overview !== undefined ? 'overview' : 'description'),
    readPage('rules'),
    ...TAB_PAGES.map(readPage),
  ]);
  const pagesMarkdown = Object.fromEntries(TAB_PAGES.flatMap((page, index) => (tabPages[index] !== undefined ? [[page, tabPages[index]]] : [])));
  const scoringProgram = file.metric.kind === 'program' ? await readScoringProgram(root, file.metric.path, source) : undefined;
  return {
    ...file,
    descriptionMarkdown: overview!,
    rulesMarkdown: rulesMarkdown!,
    rulesVersion: rulesVersionOf(rulesMarkdown!),
    ...(Object.keys(pagesMarkdown).length > 0 ? { pagesMarkdown } : {}),
    ...(scoringProgram ? { scoringProgram } : {}),
  };
}

/** Reads `metric.path`: a regular file inside the challenge folder (a link may not lead out of it), UTF-8, within the size limit. */
async function readScoringProgram(root: string, path: string, source: string): Promise<ScoringProgram> {
  const refuse = (message: string) => invalidChallenge(source, [{ field: 'metric.path', message }]);
  const programPath = resolve(root, path);
  if (!programPath.startsWith(root + '/')) throw refuse('must stay inside the challenge folder');
  const info = await lstat(programPath).catch(() => undefined);
  if (!info) throw refuse(`file ${path} was not found in the challenge folder`);
  const real = await realpath(programPath);
  if (!real.startsWith((await realpath(root)) + '/')) throw refuse(`file ${path} is a link leading out of the challenge folder`);
  if (!(await lstat(real)).isFile()) throw refuse(`${path} is not a regular file`);
  const bytes = await readFile(real);
  const problem = scoringProgramProblem(bytes) ?? (isUtf8(bytes) ? undefined : 'is not UTF-8 text');
  if (problem) throw refuse(`file ${path} ${problem}`);
  return scoringProgramFrom(path, bytes);
}
