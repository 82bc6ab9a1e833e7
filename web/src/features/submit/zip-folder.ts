import { zipSync, type Zippable } from 'fflate';

/** What `podium submit` leaves out of a folder too (cli/submission-archive.ts). */
const SKIPPED = new Set(['.git', '__pycache__', '.venv', '.DS_Store', '.ipynb_checkpoints']);

export interface FolderFile {
  /** Relative to the chosen folder: `main.py`, `model/weights.pt`. */
  path: string;
  file: File;
}

/** Files from a folder input: their paths lose the folder's own name, so `main.py` is at the archive's root. */
export function filesOfFolderInput(files: FileList): FolderFile[] {
  return [...files].map((file) => ({ path: file.webkitRelativePath.split('/').slice(1).join('/') || file.name, file }));
}

/** Files of a folder dropped on the page, read through the File System entries API. */
export async function filesOfDroppedFolder(entry: FileSystemDirectoryEntry): Promise<FolderFile[]> {
  const found: FolderFile[] = [];
  const walk = async (directory: FileSystemDirectoryEntry, prefix: string) => {
    const reader = directory.createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) {
        if (child.isDirectory) await walk(child as FileSystemDirectoryEntry, `${prefix}${child.name}/`);
        else
          found.push({ path: prefix + child.name, file: await new Promise<File>((resolve, reject) => (child as FileSystemFileEntry).file(resolve, reject)) });
      }
    }
  };
  await walk(entry, '');
  return found;
}

/** A zip of the folder (deflated), without VCS and cache folders; refuses one without main.py at its root. */
export async function zipFolder(files: FolderFile[]): Promise<Blob> {
  const kept = files.filter((entry) => !entry.path.split('/').some((part) => SKIPPED.has(part)));
  if (!kept.some((entry) => entry.path === 'main.py')) throw new Error('main.py: the folder has no main.py at its root');
  const tree: Zippable = {};
  for (const entry of kept) tree[entry.path] = new Uint8Array(await entry.file.arrayBuffer());
  return new Blob([zipSync(tree, { level: 6 })], { type: 'application/zip' });
}
