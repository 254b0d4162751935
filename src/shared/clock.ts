/**
 * meterd's sense of "now" for metering rules (time windows, hour buckets, license periods, token
 * TTLs, key expiry). SigV4 date checks deliberately use the real clock instead, as AWS does.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number
}

export const systemClock: Clock = { nowMs: () => Date.now() }

/** A clock that stands still until it is set or advanced (tests, the virtual-clock controls). */
export interface ManualClock extends Clock {
  set(nowMs: number): void
  advance(ms: number): void
}

export function manualClock(startMs: number): ManualClock {
  let now = startMs
  return {
    nowMs: () => now,
    set: (ms) => {
      now = ms
    },
    advance: (ms) => {
      now += ms
    },
  }
}
