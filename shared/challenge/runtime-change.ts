import { phaseRuntimeImage } from '../runtimes/runtime-image.ts';
import type { ChallengeFile } from './definition-schema.ts';

/** A phase whose competitor runtime a new definition changes. */
export interface RuntimeChange {
  phaseId: string;
  from: string;
  to: string;
  /** Whether the phase is open now: its teams would have submitted under one runtime and be run under another. */
  open: boolean;
}

/**
 * The phases (present in both definitions) whose runtime image differs, each with whether it is
 * open at `now` (opens inclusive, closes exclusive, as for submissions).
 */
export function runtimeChanges(previous: ChallengeFile, next: ChallengeFile, now: Date): RuntimeChange[] {
  const changes: RuntimeChange[] = [];
  for (const phase of next.phases) {
    const before = previous.phases.find((candidate) => candidate.id === phase.id);
    if (!before) continue;
    const from = phaseRuntimeImage(before.runtime).reference;
    const to = phaseRuntimeImage(phase.runtime).reference;
    if (from === to) continue;
    const at = now.getTime();
    changes.push({ phaseId: phase.id, from, to, open: at >= Date.parse(phase.opens) && at < Date.parse(phase.closes) });
  }
  return changes;
}
