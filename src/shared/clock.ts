/**
 * meterd's sense of "now" for metering rules (time windows, hour buckets, license periods).
 * SigV4 date checks deliberately use the real clock instead, as AWS does.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number
}

export const systemClock: Clock = { nowMs: () => Date.now() }

/** A clock pinned to one instant, for tests and the virtual-clock controls. */
export function fixedClock(nowMs: number): Clock {
  return { nowMs: () => nowMs }
}
