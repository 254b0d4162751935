/** Numbers, money and times for people: the browser's locale, the time zone the user picked. */

const numbers = new Intl.NumberFormat()
export const formatNumber = (n: number): string => numbers.format(n)

const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 })
export const formatMoney = (amount: number): string => money.format(amount)

export const formatPercent = (share: number): string =>
  new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(share)

const wallFormats = new Map<string, Intl.DateTimeFormat>()
const wallFormat = (timeZone: string) => {
  let format = wallFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
    wallFormats.set(timeZone, format)
  }
  return format
}

interface WallTime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

export function wallTime(ms: number, timeZone: string): WallTime {
  const parts = wallFormat(timeZone).formatToParts(ms)
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** `2026-10-15 12:30:20` in the zone: sortable, unambiguous, the same in every locale. */
export function formatInstant(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone)
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]

/** "3 minutes ago", "in 2 hours", "now". */
export function formatRelative(ms: number, nowMs: number): string {
  const diff = ms - nowMs
  if (Math.abs(diff) < 5000) return 'now'
  for (const [unit, size] of UNITS) if (Math.abs(diff) >= size) return relative.format(Math.trunc(diff / size), unit)
  return relative.format(Math.trunc(diff / 1000), 'second')
}

/** "2 h 30 min", "1 d 4 h" (the two largest units, without sign): how far the metering clock is from real time. */
export function formatDuration(ms: number): string {
  let rest = Math.round(Math.abs(ms) / 1000)
  const parts: string[] = []
  for (const [label, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${formatNumber(n)} ${label}`)
  }
  return parts.length ? parts.slice(0, 2).join(' ') : '0 s'
}

/** The value of an `<input type="datetime-local">` showing `ms` in the zone. */
export function toDateTimeLocal(ms: number, timeZone: string): string {
  return formatInstant(ms, timeZone).replace(' ', 'T')
}

/** Reads an `<input type="datetime-local">` value as a wall time of the zone; undefined when empty or invalid. */
export function fromDateTimeLocal(value: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (!m) return undefined
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
  // The zone's offset is that of the instant itself: guess with the offset at the wall time read as UTC, then correct.
  const offsetAt = (ms: number) => {
    const w = wallTime(ms, timeZone)
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000
  }
  const guess = asUtc - offsetAt(asUtc)
  return asUtc - offsetAt(guess)
}

/** The zone's name as a person reads it: "UTC", "Europe/Berlin (UTC+01:00)". */
export function describeTimeZone(timeZone: string, atMs: number): string {
  if (timeZone === 'UTC') return 'UTC'
  const w = wallTime(atMs, timeZone)
  const offsetMin = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(atMs / 1000) * 1000) / 60_000)
  const sign = offsetMin < 0 ? '−' : '+'
  return `${timeZone} (UTC${sign}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)})`
}
