import { requirePhase, type Challenge } from '#shared/challenge/challenge.ts';
import { stackNames } from './stack-names.ts';

/** A final phase's stack goes up this long before it opens, so images and warm instances are ready (docs/DEPLOY.md, 6). */
export const PHASE_LEAD_MS = 24 * 60 * 60 * 1000;

export interface DeployPlan {
  /** Stack names, in the order they must be deployed. */
  stacks: string[];
  /** Phases left out, each with the reason, so the plan says what it did not do. */
  skipped: { phaseId: string; why: string }[];
}

/**
 * The documented deploy order (docs/DEPLOY.md): the data stack (the others import its exports),
 * then the platform, then phase stacks. Without `phases`, the phases open at `at` or opening
 * within PHASE_LEAD_MS; a closed phase's stack is not deployed again.
 *
 * @example deployPlan(tissuenet, { at: new Date('2026-06-01T00:00:00Z') }).stacks // ['tissuenet-data', 'tissuenet-platform', 'tissuenet-learning']
 */
export function deployPlan(challenge: Challenge, options: { phases?: string[]; at: Date }): DeployPlan {
  const names = stackNames(challenge.id);
  const at = options.at.getTime();
  const skipped: DeployPlan['skipped'] = [];
  let phaseIds: string[];
  if (options.phases?.length) {
    phaseIds = options.phases.map((phaseId) => requirePhase(challenge, phaseId).id);
  } else {
    phaseIds = [];
    for (const phase of challenge.phases) {
      if (at >= Date.parse(phase.closes)) skipped.push({ phaseId: phase.id, why: `closed at ${phase.closes}` });
      else if (Date.parse(phase.opens) - at > PHASE_LEAD_MS) skipped.push({ phaseId: phase.id, why: `opens at ${phase.opens}; deploy it the day before` });
      else phaseIds.push(phase.id);
    }
  }
  return { stacks: [names.data, names.platform, ...new Set(phaseIds.map(names.phase))], skipped };
}
