import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fullBucket, refill, takeToken, type TokenBucket } from '../../src/domain/token-bucket.js'

/** Runs a sequence of takes at the given times; returns how many were granted and every bucket seen. */
function run(rate: number, timesMs: readonly number[]): { granted: number; buckets: TokenBucket[] } {
  let bucket: TokenBucket | undefined
  let granted = 0
  const buckets: TokenBucket[] = []
  for (const t of timesMs) {
    const result = takeToken(bucket, rate, t)
    bucket = result.bucket
    buckets.push(bucket)
    if (result.taken) granted++
  }
  return { granted, buckets }
}

describe('token bucket', () => {
  it('grants a burst of one second worth of calls, then refuses', () => {
    const { granted } = run(
      10,
      Array.from({ length: 11 }, () => 1_000),
    )
    assert.equal(granted, 10)
  })

  it('grants one more call after 1/rate of a second, and not before', () => {
    const drained = run(5, [0, 0, 0, 0, 0]).buckets.at(-1)!
    assert.equal(takeToken(drained, 5, 199).taken, false)
    assert.equal(takeToken(drained, 5, 200).taken, true)
  })

  it('a bucket never seen is full', () => {
    assert.deepEqual(fullBucket(3, 42), { tokens: 3, updatedMs: 42 })
    assert.deepEqual(takeToken(undefined, 3, 42), { taken: true, bucket: { tokens: 2, updatedMs: 42 } })
  })

  it('never holds more than one second worth, nor less than nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 200 }), (rate, gaps) => {
        let t = 0
        const times = gaps.map((g) => (t += g))
        for (const b of run(rate, times).buckets) assert.ok(b.tokens >= 0 && b.tokens <= rate, `tokens ${b.tokens} with rate ${rate}`)
      }),
    )
  })

  it('over any span of T seconds grants at most rate × (T + 1) calls (the published quota)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (rate, gaps) => {
          let t = 0
          const times = gaps.map((g) => (t += g))
          const { granted } = run(rate, times)
          const spanSeconds = (times.at(-1)! - times[0]!) / 1000
          assert.ok(granted <= Math.floor(rate * (spanSeconds + 1)) + 1e-9, `${granted} granted over ${spanSeconds}s at ${rate}/s`)
        },
      ),
    )
  })

  it('a clock that goes backwards refills nothing and never gives a span twice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: -2_000, max: 2_000 }), { maxLength: 200 }), (rate, steps) => {
        // Times wander back and forth. The bucket is full at the first call; from then on only time
        // beyond the latest reached refills it.
        let t = 10_000
        const times = steps.map((s) => (t = Math.max(0, t + s)))
        fc.pre(times.length > 0)
        const latest = Math.max(...times)
        const { granted } = run(rate, times)
        assert.ok(granted <= Math.floor(rate * ((latest - times[0]!) / 1000 + 1)) + 1e-9, `${granted} granted`)
      }),
    )
  })

  it('refilling in two steps gives what one step gives (the store may skip writing a refused take)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        (rate, tokens, a, b) => {
          const start = { tokens: Math.min(tokens, rate), updatedMs: 0 }
          const twice = refill(refill(start, rate, a), rate, a + b)
          const once = refill(start, rate, a + b)
          assert.ok(Math.abs(twice.tokens - once.tokens) < 1e-9)
          assert.equal(twice.updatedMs, once.updatedMs)
        },
      ),
    )
  })
})
