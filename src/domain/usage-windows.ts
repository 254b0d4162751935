import type { Product } from './world.js'
import type { UsageSum } from './usage-query.js'

export type UsageWindow = 'hour' | 'day' | 'month'

export interface UsageTotal {
  productCode: string
  customer: string
  dimension: string
  tagValue?: string
  /** The window in the requested time zone: `2026-11-22T13:00`, `2026-11-22` or `2026-11`. */
  window: string
  quantity: number
  records: number
  /** Price per unit and quantity × price, when the dimension carries a price. */
  unitPrice?: number
  amount?: number
}

/** Throws RangeError for a time zone the runtime does not know. */
export function windowLabeller(window: UsageWindow, timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  })
  return (ms) => {
    const parts: Record<string, string> = {}
    for (const p of format.formatToParts(ms)) parts[p.type] = p.value
    const month = `${parts.year}-${parts.month}`
    if (window === 'month') return month
    const day = `${month}-${parts.day}`
    return window === 'day' ? day : `${day}T${parts.hour}:00`
  }
}

/**
 * Adds 15-minute partial sums up into hour, day or month windows of a time zone (every zone's
 * offset is a multiple of 15 minutes, so no slice straddles two windows), with a billing
 * estimate for priced dimensions. Sorted by window, product, customer, dimension, tag value.
 */
export function totalsByWindow(
  sums: readonly UsageSum[],
  window: UsageWindow,
  timeZone: string,
  findProduct: (code: string) => Product | undefined,
): UsageTotal[] {
  const label = windowLabeller(window, timeZone)
  const labels = new Map<number, string>()
  const totals = new Map<string, UsageTotal>()
  for (const s of sums) {
    let w = labels.get(s.sliceStartMs)
    if (w === undefined) labels.set(s.sliceStartMs, (w = label(s.sliceStartMs)))
    const key = JSON.stringify([w, s.productCode, s.customer, s.dimension, s.tagValue ?? null])
    const total = totals.get(key)
    if (total) {
      total.quantity += s.quantity
      total.records += s.records
    } else {
      totals.set(key, {
        productCode: s.productCode,
        customer: s.customer,
        dimension: s.dimension,
        ...(s.tagValue !== undefined ? { tagValue: s.tagValue } : {}),
        window: w,
        quantity: s.quantity,
        records: s.records,
      })
    }
  }
  const rows = [...totals.values()]
  for (const row of rows) {
    const price = findProduct(row.productCode)?.dimensions.find((d) => d.name === row.dimension)?.price
    if (price !== undefined) {
      row.unitPrice = price
      row.amount = Math.round(row.quantity * price * 1e6) / 1e6
    }
  }
  const order = (r: UsageTotal) => [r.window, r.productCode, r.customer, r.dimension, r.tagValue ?? ''].join('\u0000')
  return rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
}

/** Throws RangeError for a time zone the runtime does not know. */
export function dayStartMs(ms: number, timeZone: string): number {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
  const local = (t: number) => {
    const parts = format.formatToParts(t)
    const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value)
    const midnight = Date.UTC(n('year'), n('month') - 1, n('day'))
    return { midnight, wall: midnight + ((n('hour') * 60 + n('minute')) * 60 + n('second')) * 1000 }
  }
  const { midnight, wall } = local(ms)
  const guess = midnight - (wall - Math.floor(ms / 1000) * 1000)
  // The zone's offset at midnight may differ from its offset now (a daylight-saving change that day).
  const atGuess = local(guess)
  return midnight - (atGuess.wall - Math.floor(guess / 1000) * 1000)
}
