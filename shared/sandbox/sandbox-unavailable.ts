/** What the job process exits with when no sandbox can start (a platform fault, never the competitor's). */
export const SANDBOX_UNAVAILABLE_EXIT_CODE = 3;

/** What an operator must do; quoted in the error, in `npm start`'s refusal and in the PLATFORM_ERROR failure. */
export const SANDBOX_INSTALL_HINT =
  'install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces ' +
  '(sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0), or run Podium as root';

/** Why a run's job failed, as the PLATFORM_ERROR failure names it. */
export const SANDBOX_UNAVAILABLE_REASON = `no sandbox could start on the job's host: ${SANDBOX_INSTALL_HINT}`;

/** The configured sandbox cannot start here; the code is never run with weaker isolation instead. */
export class SandboxUnavailableError extends Error {
  constructor(why?: string) {
    super(
      `No sandbox can start to run competitor code${why ? ` (${why})` : ''}: ${SANDBOX_INSTALL_HINT}. ` +
        'Podium never runs submissions with weaker isolation. To run them WITHOUT any isolation on a development machine, set PODIUM_UNSAFE_NO_SANDBOX=1.',
    );
    this.name = 'SandboxUnavailableError';
  }
}
