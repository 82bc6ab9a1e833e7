import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root: Lambda entries, Dockerfiles and lock file are resolved from it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
