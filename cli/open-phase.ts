import { type CliContext } from './cli-context.ts';
import { usageError, type Output } from './output.ts';

interface PhaseDates {
  id: string;
  opens?: string;
  closes?: string;
}

/**
 * `--phase` when given, else the challenge's only open phase, named on stderr so the user sees
 * where a command went. Several open phases, or none, need `--phase`.
 */
export function phaseOrOpen(challenge: { id: string; phases: PhaseDates[] }, phase: string | undefined, out: Output, now = new Date()): string {
  if (phase) return phase;
  const time = now.getTime();
  const open = challenge.phases.filter((p) => (!p.opens || Date.parse(p.opens) <= time) && (!p.closes || time < Date.parse(p.closes)));
  const all = challenge.phases.map((p) => p.id).join(', ');
  if (open.length !== 1) {
    throw usageError(
      `which phase of ${challenge.id}? ${open.length ? `${open.map((p) => p.id).join(' and ')} are open` : 'none is open'} (phases: ${all})`,
      'pass --phase <id>',
    );
  }
  out.note(`phase: ${open[0]!.id} (the only open phase of ${challenge.id}; pass --phase to choose another)`);
  return open[0]!.id;
}

/** `--phase`, else the only open phase of the challenge on the platform (fetched only when needed). */
export async function phaseOnPlatform(cli: CliContext, challengeId: string, phase: string | undefined): Promise<string> {
  if (phase) return phase;
  const challenge = await cli.api.read(cli.api.anyone.GET('/challenges/{challengeId}', { params: { path: { challengeId } } }));
  return phaseOrOpen(challenge, undefined, cli.out);
}
