import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dayStartMs } from '../../src/domain/usage-windows.js'

const at = (text: string) => Date.parse(text)
const iso = (ms: number) => new Date(ms).toISOString()

describe('dayStartMs: the instant the day of `ms` began in a time zone', () => {
  it('is midnight UTC in UTC, also at the very first and last millisecond of the day', () => {
    assert.equal(iso(dayStartMs(at('2026-10-15T12:30:20.123Z'), 'UTC')), '2026-10-15T00:00:00.000Z')
    assert.equal(iso(dayStartMs(at('2026-10-15T00:00:00.000Z'), 'UTC')), '2026-10-15T00:00:00.000Z')
    assert.equal(iso(dayStartMs(at('2026-10-15T23:59:59.999Z'), 'UTC')), '2026-10-15T00:00:00.000Z')
  })

  it('follows the zone: 23:30 UTC is already the next day in Tokyo and Kolkata (UTC+05:30)', () => {
    assert.equal(iso(dayStartMs(at('2026-10-14T23:30:00Z'), 'Asia/Tokyo')), '2026-10-14T15:00:00.000Z')
    assert.equal(iso(dayStartMs(at('2026-10-14T23:30:00Z'), 'Asia/Kolkata')), '2026-10-14T18:30:00.000Z')
    assert.equal(iso(dayStartMs(at('2026-10-15T03:00:00Z'), 'America/Los_Angeles')), '2026-10-14T07:00:00.000Z')
  })

  it('uses the offset in force at midnight on the days daylight saving time starts and ends', () => {
    // New York: 8 March 2026 begins in EST (UTC-5), 1 November 2026 in EDT (UTC-4).
    assert.equal(iso(dayStartMs(at('2026-03-08T20:00:00Z'), 'America/New_York')), '2026-03-08T05:00:00.000Z')
    assert.equal(iso(dayStartMs(at('2026-11-01T20:00:00Z'), 'America/New_York')), '2026-11-01T04:00:00.000Z')
  })

  it('throws RangeError for a zone the runtime does not know', () => {
    assert.throws(() => dayStartMs(0, 'Mars/Olympus_Mons'), RangeError)
  })
})
