import { spawnSync } from 'node:child_process';
import { SandboxUnavailableError } from './sandbox-unavailable.ts';

/**
 * How competitor code is isolated on this machine:
 * - `bwrap`: bubblewrap: new user, pid, net, ipc, uts and mount namespaces; only chosen paths visible.
 * - `container`: inside the AWS Batch inference container, where Docker's seccomp profile forbids
 *   new namespaces: the code runs as the unprivileged competitor uid (setpriv, no capabilities,
 *   no_new_privs) with a clean environment; the container, its isolated subnets and the IMDS hop
 *   limit are the outer boundary. Chosen only by PODIUM_SANDBOX=container (the image sets it).
 * - `none`: no isolation at all; only with PODIUM_UNSAFE_NO_SANDBOX=1, for development.
 *
 * There is deliberately nothing in between: a mode that leaves the host's files visible would
 * expose the labels beside the data, so a host where bubblewrap cannot start refuses to run code.
 */
export type SandboxMode = 'bwrap' | 'container' | 'none';

const MODES: readonly SandboxMode[] = ['bwrap', 'container', 'none'];

export type ProbeResult = { ok: true } | { ok: false; why: string };

/** The uid the probe runs bwrap as when we are root, as real runs do (see buildCommand in run-sandboxed.ts). */
const PROBE_UID = 259_999;

/** bwrap started exactly as a run starts it: as root through setpriv to an unprivileged uid. */
export function bwrapProbe(asRoot = process.getuid?.() === 0): string[] {
  const bwrap = ['bwrap', '--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'];
  return asRoot ? ['setpriv', `--reuid=${PROBE_UID}`, `--regid=${PROBE_UID}`, '--clear-groups', '--inh-caps=-all', ...bwrap] : bwrap;
}

function runProbe(command: string[]): ProbeResult {
  const result = spawnSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  if (result.status === 0) return { ok: true };
  if (result.error) return { ok: false, why: `${command[0]}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}` };
  const stderr = result.stderr.toString().trim().split('\n').at(-1);
  return { ok: false, why: stderr || `bwrap exited with ${result.status ?? result.signal}` };
}

let detected: SandboxMode | undefined;

/**
 * The sandbox runs use here: bubblewrap when it starts, `container` when PODIUM_SANDBOX says so
 * (the AWS image), `none` only with PODIUM_UNSAFE_NO_SANDBOX=1. Throws SandboxUnavailableError
 * otherwise: never a weaker mode.
 */
export function detectSandboxMode(env: NodeJS.ProcessEnv = process.env, probe: (command: string[]) => ProbeResult = runProbe): SandboxMode {
  const forced = env.PODIUM_SANDBOX;
  const unsafe = env.PODIUM_UNSAFE_NO_SANDBOX === '1';
  if (forced !== undefined && forced !== '' && !MODES.includes(forced as SandboxMode)) {
    throw new Error(`PODIUM_SANDBOX=${forced} is not a sandbox mode: use ${MODES.join(', ')} (or leave it unset for bwrap)`);
  }
  if (forced === 'none' && !unsafe) throw new SandboxUnavailableError('PODIUM_SANDBOX=none needs PODIUM_UNSAFE_NO_SANDBOX=1');
  if (forced === 'container' || forced === 'none') return forced;
  if (probe === runProbe && detected) return detected;
  const bwrap = probe(bwrapProbe());
  let mode: SandboxMode;
  if (bwrap.ok) mode = 'bwrap';
  else if (unsafe && forced !== 'bwrap') mode = 'none';
  else throw new SandboxUnavailableError(`bubblewrap does not start here: ${bwrap.why}`);
  if (probe === runProbe) detected = mode;
  return mode;
}
