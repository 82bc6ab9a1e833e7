/**
 * The local stack's clock. `PODIUM_NOW=2027-03-02T09:00:00Z npm start` starts the API's clock (phase
 * windows, quota days, every time it records) at that instant and lets it run from there, so a
 * demo phase that opens later can be tried today. Job processes keep the machine's clock: the
 * times they record (scoring, receipts) are real ones.
 */
export function localClock(env: NodeJS.ProcessEnv = process.env): (() => Date) | undefined {
  const start = env.PODIUM_NOW;
  if (start === undefined || start === '') return undefined;
  const startMs = Date.parse(start);
  if (!Number.isFinite(startMs)) throw new Error(`PODIUM_NOW must be an ISO 8601 instant such as 2027-03-02T09:00:00Z, got "${start}"`);
  const offsetMs = startMs - Date.now();
  return () => new Date(Date.now() + offsetMs);
}
