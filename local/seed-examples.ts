import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { CHALLENGE_FILE_NAME, loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { uploadChallengeDatasets } from '#shared/datasets/upload-datasets.ts';

const GENERATOR_FILE = 'generate-data.ts';

/** Generates an example's synthetic data once per generator version (a hash marker records which). */
async function generatedDataRoot(challengeDir: string, challengeId: string, dataDir: string): Promise<string | undefined> {
  const generator = join(challengeDir, GENERATOR_FILE);
  if (!existsSync(generator)) {
    const shipped = join(challengeDir, 'data');
    return existsSync(shipped) ? shipped : undefined;
  }
  const outDir = join(dataDir, 'generated', challengeId);
  const marker = join(outDir, '.generator-sha256');
  const version = createHash('sha256')
    .update(await readFile(generator))
    .digest('hex');
  if ((await readFile(marker, 'utf8').catch(() => '')) !== version) {
    await rm(outDir, { recursive: true, force: true });
    const module = (await import(pathToFileURL(generator).href)) as { generate(outDir: string): Promise<void> };
    await module.generate(outDir);
    await writeFile(marker, version);
  }
  return outDir;
}

/** Loads every example challenge, uploads its datasets and registers it. Safe to run on every start. */
export async function seedExampleChallenges(
  ctx: PodiumContext,
  examplesDir: string,
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<Challenge[]> {
  const seeded: Challenge[] = [];
  const entries = await readdir(examplesDir, { withFileTypes: true });
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const challengeDir = join(examplesDir, entry.name);
    if (!existsSync(join(challengeDir, CHALLENGE_FILE_NAME))) continue;
    const challenge = await loadChallenge(challengeDir);
    const dataRoot = await generatedDataRoot(challengeDir, challenge.id, dataDir);
    if (dataRoot) {
      const { uploaded, skipped } = await uploadChallengeDatasets(ctx, challenge, dataRoot);
      log(`  ${challenge.id}: ${uploaded} dataset files uploaded, ${skipped} already present`);
    }
    // The examples folder is the organiser here: an edit to a demo's runtime is applied, and logged.
    await registerChallenge(ctx, challenge, {
      by: 'npm start (examples/)',
      force: true,
      reason: 'the local stack re-registers the examples as they are on disk',
    });
    seeded.push(challenge);
  }
  return seeded;
}
