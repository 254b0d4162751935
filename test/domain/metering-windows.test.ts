import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { batchTimestampProblem, batchWindowProblem, DEFAULT_WINDOWS, meterTimestampProblem } from '../../src/domain/metering-windows.js'
import { HOUR_MS, MINUTE_MS } from '../../src/shared/time.js'

const w = DEFAULT_WINDOWS
const MID_MONTH = Date.UTC(2026, 9, 15, 12)
const FIRST_OF_NOVEMBER = Date.UTC(2026, 10, 1)
const accepted = (ts: number, now: number) => batchTimestampProblem(ts, now, w) === undefined
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })

describe('BatchMeterUsage time window (documented boundaries)', () => {
  it('accepts usage up to just under 24 hours old, refuses it at 24 hours ("24 hours or more after an event")', () => {
    assert.equal(accepted(MID_MONTH - 24 * HOUR_MS + 1, MID_MONTH), true)
    assert.match(batchTimestampProblem(MID_MONTH - 24 * HOUR_MS, MID_MONTH, w)!, /is 24 hours or more in the past$/)
  })

  it('accepts usage up to 15 minutes ahead (meterd: the SigV4 clock tolerance), not one millisecond more', () => {
    assert.equal(accepted(MID_MONTH + 15 * MINUTE_MS, MID_MONTH), true)
    assert.match(batchTimestampProblem(MID_MONTH + 15 * MINUTE_MS + 1, MID_MONTH, w)!, /is in the future$/)
  })

  it('accepts the closed month until 06:00 UTC on the 1st, and not from 06:00 on', () => {
    const lastHourOfOctober = FIRST_OF_NOVEMBER - HOUR_MS
    assert.equal(accepted(lastHourOfOctober, FIRST_OF_NOVEMBER + 6 * HOUR_MS - 1), true)
    assert.equal(
      batchTimestampProblem(lastHourOfOctober, FIRST_OF_NOVEMBER + 6 * HOUR_MS, w),
      '2026-10-31T23:00:00.000Z belongs to a billing month that closed at 2026-11-01T06:00:00.000Z',
    )
    // The new month's own usage is not touched by the grace.
    assert.equal(accepted(FIRST_OF_NOVEMBER, FIRST_OF_NOVEMBER + 7 * HOUR_MS), true)
  })

  it('one bad timestamp refuses the whole batch, and names the first', () => {
    const problem = batchWindowProblem([MID_MONTH - HOUR_MS, MID_MONTH + HOUR_MS, MID_MONTH - 30 * HOUR_MS], MID_MONTH, w)
    assert.equal(problem, '2026-10-15T13:00:00.000Z is in the future')
    assert.equal(batchWindowProblem([MID_MONTH - HOUR_MS, MID_MONTH], MID_MONTH, w), undefined)
  })

  it('the accepted timestamps form one interval ending 15 minutes after now (later is never worse, up to the future bound)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 40 * HOUR_MS }), fc.integer({ min: 0, max: 40 * HOUR_MS }), (now, back1, back2) => {
        const [older, newer] = [now - Math.max(back1, back2), now - Math.min(back1, back2)]
        if (accepted(older, now)) assert.ok(accepted(newer, now), `${older} accepted but ${newer} not, at ${now}`)
      }),
    )
  })

  it('agrees with the documented rule at every instant: < 24 h old, ≤ 15 min ahead, closed month only before 06:00 on the 1st', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -HOUR_MS, max: 48 * HOUR_MS }), (now, age) => {
        const ts = now - age
        const d = new Date(now)
        const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
        const documented = age >= -15 * MINUTE_MS && age < 24 * HOUR_MS && (ts >= monthStart || now < monthStart + 6 * HOUR_MS)
        assert.equal(accepted(ts, now), documented)
      }),
    )
  })
})

describe('MeterUsage time window (documented boundaries)', () => {
  it('accepts exactly 6 hours back, refuses one millisecond more ("more than six hours after events")', () => {
    assert.equal(meterTimestampProblem(MID_MONTH - 6 * HOUR_MS, MID_MONTH, w), undefined)
    assert.equal(
      meterTimestampProblem(MID_MONTH - 6 * HOUR_MS - 1, MID_MONTH, w),
      '2026-10-15T05:59:59.999Z is more than 6 hours in the past',
    )
  })

  it('accepts 15 minutes ahead and refuses beyond', () => {
    assert.equal(meterTimestampProblem(MID_MONTH + 15 * MINUTE_MS, MID_MONTH, w), undefined)
    assert.equal(meterTimestampProblem(MID_MONTH + 15 * MINUTE_MS + 1, MID_MONTH, w), '2026-10-15T12:15:00.001Z is in the future')
  })

  it('has no month-end grace: the window is the same on the 1st', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 * HOUR_MS }), (age) => {
        const now = FIRST_OF_NOVEMBER + 2 * HOUR_MS
        assert.equal(meterTimestampProblem(now - age, now, w) === undefined, age <= 6 * HOUR_MS)
      }),
    )
  })
})
