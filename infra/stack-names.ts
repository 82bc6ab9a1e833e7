/** Podium's stack names for a challenge; `definePodiumStacks` and `npm run deploy` both use them. */
export const stackNames = (challengeId: string) => ({
  data: `${challengeId}-data`,
  platform: `${challengeId}-platform`,
  phase: (phaseId: string) => `${challengeId}-${phaseId}`,
});
