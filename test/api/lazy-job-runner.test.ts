import { describe, expect, it, vi } from 'vitest';
import type { JobRunner } from '#shared/jobs/job-runner.ts';
import { lazyJobRunner } from '#shared/jobs/lazy-job-runner.ts';

// The API Lambda cancels jobs through a runner loaded on the first cancel (functions/api/lambda.ts).
describe('lazyJobRunner', () => {
  const runner = (): JobRunner => ({ submit: vi.fn(async () => ({ jobId: 'job-1' })), cancel: vi.fn(async () => {}), describe: vi.fn(async () => []) });

  it('loads nothing until used, then loads once and forwards every call', async () => {
    const loaded = runner();
    const load = vi.fn(async () => loaded);
    const lazy = lazyJobRunner(load);
    expect(load).not.toHaveBeenCalled();

    await Promise.all([lazy.cancel('job-1', 'cancelled by organiser'), lazy.cancel('job-2', 'cancelled by organiser')]);
    await lazy.describe(['job-1']);

    expect(load).toHaveBeenCalledTimes(1);
    expect(loaded.cancel).toHaveBeenCalledWith('job-2', 'cancelled by organiser');
    expect(loaded.describe).toHaveBeenCalledWith(['job-1']);
  });

  it('tries the load again after a failed one', async () => {
    const load = vi.fn<() => Promise<JobRunner>>().mockRejectedValueOnce(new Error('chunk missing')).mockResolvedValue(runner());
    const lazy = lazyJobRunner(load);

    await expect(lazy.cancel('job-1', 'r')).rejects.toThrow('chunk missing');
    await expect(lazy.submit({} as never)).resolves.toEqual({ jobId: 'job-1' });
    expect(load).toHaveBeenCalledTimes(2);
  });
});
