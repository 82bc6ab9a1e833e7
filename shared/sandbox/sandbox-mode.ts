import { spawnSync } from 'node:child_process';

/**
 * How competitor code is isolated on this machine:
 * - `bwrap`: bubblewrap: new user, pid, net, ipc, uts and mount namespaces; only chosen paths visible.
 * - `unshare`: util-linux unshare: new net, pid, ipc, uts and mount namespaces, but the host's
 *   file system stays visible (protected only by file permissions against the sandbox uid).
 * - `container`: inside the AWS Batch inference container, where Docker's seccomp profile forbids
 *   new namespaces: the code runs as the unprivileged competitor uid (setpriv, no capabilities,
 *   no_new_privs) with a clean environment; the container, its isolated subnets and the IMDS hop
 *   limit are the outer boundary. Chosen only by PODIUM_SANDBOX=container (the image sets it).
 * - `none`: no isolation at all; only with PODIUM_UNSAFE_NO_SANDBOX=1, for development.
 */
export type SandboxMode = 'bwrap' | 'unshare' | 'container' | 'none';

export class SandboxUnavailableError extends Error {
  constructor() {
    super(
      'No sandbox is available to run competitor code: install bubblewrap (apt-get install bubblewrap) or util-linux unshare ' +
        'with user namespaces enabled. To run submissions WITHOUT any isolation on a development machine, set PODIUM_UNSAFE_NO_SANDBOX=1.',
    );
    this.name = 'SandboxUnavailableError';
  }
}

const probes: Record<'bwrap' | 'unshare', string[]> = {
  bwrap: ['bwrap', '--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'],
  unshare: ['unshare', '--net', '--pid', '--fork', '--ipc', '--uts', '--mount', 'true'],
};

function works(command: string[]): boolean {
  const result = spawnSync(command[0]!, command.slice(1), { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

let detected: SandboxMode | undefined;

/** Picks the strongest sandbox that works here; PODIUM_SANDBOX forces one. Throws when none does. */
export function detectSandboxMode(env: NodeJS.ProcessEnv = process.env, probe: (command: string[]) => boolean = works): SandboxMode {
  const forced = env.PODIUM_SANDBOX as SandboxMode | undefined;
  if (forced === 'none' && env.PODIUM_UNSAFE_NO_SANDBOX !== '1') throw new SandboxUnavailableError();
  if (forced === 'bwrap' || forced === 'unshare' || forced === 'container' || forced === 'none') return forced;
  if (probe === works && detected) return detected;
  let mode: SandboxMode | undefined;
  if (probe(probes.bwrap)) mode = 'bwrap';
  else if (probe(probes.unshare)) mode = 'unshare';
  else if (env.PODIUM_UNSAFE_NO_SANDBOX === '1') mode = 'none';
  if (!mode) throw new SandboxUnavailableError();
  if (probe === works) detected = mode;
  return mode;
}
