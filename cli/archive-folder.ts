import { createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { CliError, usageError } from './output.ts';

/** Never shipped in a submission: VCS data, caches, virtual environments. */
export const EXCLUDED_NAMES = new Set(['.git', '__pycache__', '.venv', '.DS_Store', '.ipynb_checkpoints']);

export interface SubmissionArchive {
  path: string;
  bytes: number;
  /** Files packed (undefined when a ready-made zip was given). */
  files?: string[];
  skipped: string[];
  /** Removes the temporary zip, if one was made. */
  cleanup(): Promise<void>;
}

/**
 * A folder becomes a zip with main.py at its root (what the platform expects); a `.zip` is used as
 * it is. Symlinks are left out: the platform refuses archives that contain them.
 */
export async function prepareArchive(source: string): Promise<SubmissionArchive> {
  const info = await stat(source).catch(() => undefined);
  if (!info) throw usageError(`${source} does not exist`, 'pass a folder holding main.py, or a submission .zip');
  if (info.isFile()) {
    if (!source.toLowerCase().endsWith('.zip')) throw usageError(`${source} is not a folder or a .zip file`);
    if (info.size === 0) throw new CliError('ARCHIVE_INVALID', `${source} is empty`);
    return { path: source, bytes: info.size, skipped: [], cleanup: async () => {} };
  }
  const mainPy = await stat(join(source, 'main.py')).catch(() => undefined);
  if (!mainPy?.isFile()) {
    throw new CliError('MAIN_PY_MISSING', `${source} has no main.py at its top level`, { hint: 'the platform runs `python main.py` from the root of your submission' });
  }
  const files: string[] = [];
  const skipped: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      const rel = relative(source, full).split(sep).join('/');
      if (EXCLUDED_NAMES.has(entry.name) || entry.name.endsWith('.pyc')) continue;
      if ((await lstat(full)).isSymbolicLink()) skipped.push(rel);
      else if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(rel);
    }
  };
  await walk(source);
  const tempDir = await mkdtemp(join(tmpdir(), 'podium-submit-'));
  const path = join(tempDir, 'submission.zip');
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addFile(join(source, file), file);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return { path, bytes: (await stat(path)).size, files, skipped, cleanup: () => rm(tempDir, { recursive: true, force: true }) };
}
