import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';
import { cliUser, type CliRun, type CliRunner } from './run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** The `npx podium …` lines of one README section's first code block, as argument lists. */
async function readmeCommands(section: string): Promise<string[][]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${section}`);
  expect(start, `README has no "## ${section}" section`).toBeGreaterThanOrEqual(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  return block
    .split('\n')
    .filter((line) => line.startsWith('npx podium '))
    .map((line) => shellWords(line.replace(/^npx podium /, '').replace(/\s+#.*$/, '')));
}

/**
 * The commands the CLI suggests in its output ("Next: podium …", "Submit it with: podium …", the
 * indented lines of a "Next:" block), as argument lists.
 */
function printedHints(stdout: string): string[][] {
  return stdout
    .split('\n')
    .map((line) => /^(?:Next: | {2}|.*with: )podium (.+?)\s*(?:#.*)?$/.exec(line)?.[1])
    .filter((hint): hint is string => hint !== undefined)
    .map(shellWords);
}

/** Enough of shell word splitting for the README: spaces, and double-quoted words. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

let platform: LocalPlatform;
let work: string;
let newcomer: CliRunner;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-readme-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  // Another port than the default: the README's one setting (PODIUM_API) must reach everything.
  expect(new URL(platform.apiUrl).port).not.toBe('8787');
  newcomer = await cliUser();
  // The README runs at the repository root; a scratch folder with the examples stands in for it.
  await symlink(join(REPO, 'examples'), join(work, 'examples'));
});

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

/**
 * Runs the README's commands in order with only PODIUM_API set. A hint the CLI prints is run at
 * once, before the README's next step, unless it is one of the README's own commands.
 */
async function walk(commands: string[][]): Promise<{ runs: CliRun[]; hints: string[] }> {
  const readmeLines = commands.map((args) => args.join(' '));
  const runs: CliRun[] = [];
  const hints: string[] = [];
  const env = { PODIUM_API: platform.apiUrl };
  for (const args of commands) {
    const run = await newcomer.run(args, { cwd: work, env });
    runs.push(run);
    expect(run.code, `npx podium ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
    for (const hint of printedHints(run.stdout)) {
      hints.push(hint.join(' '));
      if (readmeLines.includes(hint.join(' '))) continue;
      const tried = await newcomer.run(hint, { cwd: work, env });
      expect(tried.code, `hint after ${args[0]}: podium ${hint.join(' ')}\n${tried.stdout}\n${tried.stderr}`).toBe(0);
    }
  }
  return { runs, hints };
}

describe('the local stack a newcomer meets', () => {
  it('serves /docs with Swagger UI from the installed package, so it works offline', async () => {
    const page = await (await fetch(`${platform.apiUrl}/docs`)).text();
    expect(page).not.toContain('cdn.jsdelivr.net');
    const assets = [...page.matchAll(/(?:href|src)="(\/docs\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await fetch(`${platform.apiUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect((await fetch(`${platform.apiUrl}/docs/assets/swagger-ui-dist/package.json`)).status).toBe(404);
  });

  it('announces its storage endpoints, so PODIUM_API is the one setting', async () => {
    const endpoints = await (await fetch(`${platform.apiUrl}/dev/endpoints`)).json();
    expect(endpoints).toMatchObject({ s3Endpoint: platform.servers.s3Endpoint, dynamoEndpoint: platform.servers.dynamoEndpoint });
  });
});

describe('the README walkthroughs, command for command', () => {
  it("a competitor's first five minutes ends with a scored baseline on the leaderboard", async () => {
    const commands = await readmeCommands("A competitor's first five minutes");
    expect(commands.map((args) => args[0])).toEqual(['login', 'join', 'download', 'test-submission', 'submit', 'leaderboard']);
    const { runs, hints } = await walk(commands);
    expect(hints).toEqual(expect.arrayContaining(['download tissuenet', 'submit examples/tissuenet/baseline --challenge tissuenet --phase learning']));
    const [, , , tested, submitted, leaderboard] = runs;
    expect(tested!.stdout).toContain('wrote 8 predictions');
    expect(submitted!.stdout).toMatch(/SCORED[\s\S]*✓ Scored: .*\d/);
    // The states the README promises are the ones submit prints, in that order.
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const promised = /prints each\s+state it goes through \(([A-Z, ]+);/.exec(readme)![1]!.split(', ');
    expect([...submitted!.stdout.matchAll(/^ {2}\d\d:\d\d:\d\d {2}([A-Z]+)/gm)].map((match) => match[1])).toEqual(promised);
    // Scores read at the challenge's scorePrecision (TissueNet: 4), and the board says which way is better.
    expect(submitted!.stdout).toMatch(/✓ Scored: (public )?\d+\.\d{4}(?!\d)/);
    expect(leaderboard!.stdout).toMatch(/\((higher|lower) is better\)/);
    // RANK  TEAM  SCORE  SUBMITTED  SUBMISSION: the baseline ranks first with a numeric score.
    const id = /Submission (\S+) uploaded/.exec(submitted!.stdout)![1]!;
    const entry = leaderboard!.stdout.split('\n').find((line) => line.includes(id));
    expect(entry, leaderboard!.stdout).toMatch(/^\s*1\s+.+\s\d+(\.\d+)?\s+\d{4}-\d\d-\d\dT/);
  });

  it("an organiser's first five minutes", async () => {
    const commands = await readmeCommands("An organiser's first five minutes");
    expect(commands.map((args) => (args[0] === '--profile' ? args[2] : args[0]))).toEqual([
      'init',
      'validate',
      'test-submission',
      'score',
      'upload-data',
      'login',
      'publish',
    ]);
    // Only PODIUM_API: upload-data finds the stack's S3 and DynamoDB from the API.
    const { runs, hints } = await walk(commands);
    expect(runs[3]!.stdout).toMatch(/overall: \d/);
    expect(hints.map((hint) => hint.split(' ')[0])).toEqual(['validate', 'test-submission', 'upload-data']);
    const listed = await newcomer.run(['--json', 'challenges'], { env: { PODIUM_API: platform.apiUrl } });
    expect(listed.json<{ challenges: { id: string }[] }>().challenges.map((c) => c.id)).toContain('my-challenge');
  });
});
