/**
 * A run spread over N processes or machines (`--shard I/N`): each runs its share of the publishers
 * and subscribers, numbered on from the shares before it, so that client numbers, topics (`%i`) and
 * payloads never collide and `bench merge` of the shards' reports gives the whole. Pure.
 */

export interface Shard {
  /** From 0. */
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** Shard `index`'s part of `total` clients: its count and the number of its first one (shares differ by one at most). */
export function shareOf(total: number, shard: Shard): { count: number; offset: number } {
  const from = Math.floor((shard.index * total) / shard.count);
  const to = Math.floor(((shard.index + 1) * total) / shard.count);
  return { count: to - from, offset: from };
}
