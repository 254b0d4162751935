/**
 * A token bucket: AWS's request quotas ("N requests per second") as meterd enforces them. The
 * bucket holds at most one second's worth of tokens and refills continuously at `rate` per second;
 * a call takes one token or is throttled. The same arithmetic serves a single process (buckets in
 * memory) and several nodes (buckets in the store, changed by compare-and-set).
 */
export interface TokenBucket {
  tokens: number
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedMs: number
}

/** A bucket never used before is full. */
export const fullBucket = (rate: number, nowMs: number): TokenBucket => ({ tokens: rate, updatedMs: nowMs })

/**
 * The bucket at `nowMs`. A clock that went backwards refills nothing, and the bucket keeps its
 * later time, so the same span is never counted twice.
 */
export function refill(bucket: TokenBucket, rate: number, nowMs: number): TokenBucket {
  if (nowMs <= bucket.updatedMs) return { tokens: Math.min(rate, bucket.tokens), updatedMs: bucket.updatedMs }
  return { tokens: Math.min(rate, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * rate), updatedMs: nowMs }
}

/** Takes one token at `nowMs` from `bucket` (a full one when undefined): whether it was taken, and the bucket after. */
export function takeToken(bucket: TokenBucket | undefined, rate: number, nowMs: number): { taken: boolean; bucket: TokenBucket } {
  const current = refill(bucket ?? fullBucket(rate, nowMs), rate, nowMs)
  if (current.tokens < 1) return { taken: false, bucket: current }
  return { taken: true, bucket: { tokens: current.tokens - 1, updatedMs: current.updatedMs } }
}
