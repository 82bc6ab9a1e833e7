import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

/** The web app's sources and where `vite build` writes it (`npm run build:web`). */
export const WEB_ROOT = resolve(import.meta.dirname, '../../web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
const DIGEST_FILE = '.source-digest';

/**
 * Builds the web app unless web/dist was built from the same sources (a digest of every source
 * file's path, size and mtime, plus the lockfile): `npm start` pays for a build once per change.
 * Returns the folder to serve.
 */
export async function ensureWebAppBuilt(log: (line: string) => void = () => {}): Promise<string> {
  const digest = await sourceDigest();
  const built = await readFile(join(WEB_DIST, DIGEST_FILE), 'utf8').catch(() => '');
  if (built === digest && existsSync(join(WEB_DIST, 'index.html'))) return WEB_DIST;
  log('  web app: building web/ (vite build)…');
  const started = Date.now();
  // Into a folder of this process, then swapped in: two processes building at once never serve half a build.
  const outDir = join(WEB_ROOT, `.dist-${process.pid}`);
  const { build } = await import('vite');
  // Vite and its React plugin pick development JSX and checks from NODE_ENV (vitest sets `test`).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  await writeFile(join(outDir, DIGEST_FILE), digest);
  await rm(WEB_DIST, { recursive: true, force: true });
  await rename(outDir, WEB_DIST).catch(async (error: unknown) => {
    // Another process swapped its identical build in first.
    if (!existsSync(join(WEB_DIST, 'index.html'))) throw error;
    await rm(outDir, { recursive: true, force: true });
  });
  log(`  web app: built in ${Date.now() - started} ms`);
  return WEB_DIST;
}

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  const files = [join(WEB_ROOT, 'index.html'), join(WEB_ROOT, 'vite.config.ts'), resolve(WEB_ROOT, '../package-lock.json')];
  for (const folder of ['src', 'public']) files.push(...(await listFiles(join(WEB_ROOT, folder))));
  for (const file of files.sort()) {
    const info = await stat(file).catch(() => undefined);
    hash.update(`${relative(WEB_ROOT, file)}\0${info?.size ?? -1}\0${info?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex');
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
