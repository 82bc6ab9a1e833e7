import { describe, expect, it } from 'vitest';
import { ALLOWED_PREDECESSORS } from '#shared/submissions/submission-status.ts';
import { CANCELLABLE_STATES } from '../../web/src/lib/submission-states.ts';

describe("the web app's copy of the submission states", () => {
  it('offers Cancel exactly where the API accepts it', () => {
    expect([...CANCELLABLE_STATES].sort()).toEqual([...ALLOWED_PREDECESSORS.CANCELLED].sort());
  });
});
