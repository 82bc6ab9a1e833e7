import { describe, expect, it } from 'vitest';
import { FairShareQueue } from '../../local/job-runner/fair-share-queue.ts';

describe('the local fair-share queue (training and pipeline jobs)', () => {
  it('takes teams in turn, first in first out within a team, whatever the order they queued in', () => {
    const queue = new FairShareQueue<string>();
    for (const job of ['a1', 'a2', 'a3']) queue.push('team-a', job);
    queue.push('team-b', 'b1');
    queue.push('team-c', 'c1');
    queue.push('team-b', 'b2');
    const order: string[] = [];
    for (let job = queue.next(); job; job = queue.next()) order.push(job);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('passes over a team at its concurrency limit without losing its turn or its jobs', () => {
    const queue = new FairShareQueue<string>();
    queue.push('team-a', 'a1');
    queue.push('team-a', 'a2');
    queue.push('team-b', 'b1');
    const running = new Set<string>(['team-a']);
    expect(queue.nextOf((team) => !running.has(team))).toBe('b1');
    expect(queue.nextOf((team) => !running.has(team))).toBeUndefined();
    running.clear();
    expect(queue.nextOf(() => true)).toBe('a1');
    expect(queue.next()).toBe('a2');
  });
});
