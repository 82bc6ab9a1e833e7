/**
 * Round-robin across share identifiers (teams), FIFO within each: one team's backlog never
 * delays another team's next job by more than one turn. Batch's fair-share policy does this on AWS.
 */
export class FairShareQueue<T> {
  private readonly byShare = new Map<string, T[]>();
  private order: string[] = [];

  push(share: string, item: T): void {
    const queue = this.byShare.get(share);
    if (queue) queue.push(item);
    else {
      this.byShare.set(share, [item]);
      this.order.push(share);
    }
  }

  /** The next item, taking turns between shares. */
  next(): T | undefined {
    return this.nextOf(() => true);
  }

  /** The next item of the first share in turn that `eligible` accepts (one at its concurrency limit waits its turn). */
  nextOf(eligible: (share: string) => boolean): T | undefined {
    const share = this.order.find(eligible);
    if (share === undefined) return undefined;
    this.order = this.order.filter((s) => s !== share);
    const queue = this.byShare.get(share)!;
    const item = queue.shift();
    if (queue.length > 0) this.order.push(share);
    else this.byShare.delete(share);
    return item;
  }

  remove(item: T): void {
    for (const [share, queue] of this.byShare) {
      const index = queue.indexOf(item);
      if (index < 0) continue;
      queue.splice(index, 1);
      if (queue.length === 0) {
        this.byShare.delete(share);
        this.order = this.order.filter((s) => s !== share);
      }
      return;
    }
  }
}
