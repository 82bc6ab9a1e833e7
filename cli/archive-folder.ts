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
  const { files, skipped } = await folderFiles(source);
  // The platform's rule for zips, applied to folders too: main.py at the top, or everything in one
  // folder with main.py at its top (that folder is stripped).
  const prefix = mainScriptPrefix(files);
  if (prefix === undefined) {
    throw new CliError('MAIN_PY_MISSING', `${source} has no main.py at its top level, nor a single folder holding everything with main.py at its top`, {
      hint: MAIN_PY_RULE,
    });
  }
  const zipped = await zipFolderFiles(source, files, prefix, 'submission.zip');
  return { ...zipped, files: files.map((file) => file.slice(prefix.length)), skipped };
}

/** A folder's files to pack (caches and VCS data left out), as `/`-separated relative paths in order, and its symlinks apart. */
export async function folderFiles(source: string): Promise<{ files: string[]; skipped: string[] }> {
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
  return { files, skipped };
}

/** Zips `files` of `source` into a temporary `name`, each stored without `prefix`; `cleanup` removes it. */
export async function zipFolderFiles(
  source: string,
  files: string[],
  prefix: string,
  name: string,
): Promise<{ path: string; bytes: number; cleanup(): Promise<void> }> {
  const tempDir = await mkdtemp(join(tmpdir(), 'podium-zip-'));
  const path = join(tempDir, name);
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addFile(join(source, file), file.slice(prefix.length));
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return { path, bytes: (await stat(path)).size, cleanup: () => rm(tempDir, { recursive: true, force: true }) };
}

/** Said wherever main.py is missing, so a folder and a zip are explained the same way. */
export const MAIN_PY_RULE =
  'the platform runs `python main.py`: put main.py at the top of the folder or zip, or put everything in one folder with main.py at its top';

/** '' when main.py is at the top, `folder/` when every file sits in one folder holding main.py, else undefined. */
function mainScriptPrefix(files: string[]): string | undefined {
  if (files.includes('main.py')) return '';
  const tops = new Set(files.map((file) => (file.includes('/') ? `${file.split('/')[0]}/` : '')));
  const [top] = tops;
  return tops.size === 1 && top && files.includes(`${top}main.py`) ? top : undefined;
}
