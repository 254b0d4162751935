import { HOUR_MS, MINUTE_MS } from '../shared/time.js'

/** How far from "now" usage may be reported. Defaults are what AWS documents today. */
export interface MeteringWindows {
  /** BatchMeterUsage: records are refused this long or more after the event (AWS: 24 h since 2026-07-01). */
  batchMaxAgeMs: number
  /** BatchMeterUsage: the previous month is accepted until this long past midnight UTC on the 1st (AWS: 6 h). */
  batchMonthEndGraceMs: number
  /** MeterUsage: records are refused more than this long after the event (AWS: 6 h). */
  meterMaxAgeMs: number
  /**
   * How far in the future a timestamp may lie. AWS documents no rule; meterd's choice is to allow
   * the SigV4 clock tolerance (15 min) so callers with a slightly fast clock are not refused.
   */
  futureToleranceMs: number
  /**
   * After a subscription ends, its final metering records are accepted this long (AWS: the seller
   * "has about one hour" between unsubscribe-pending and unsubscribe-success).
   */
  finalMeteringMs: number
}

export const DEFAULT_WINDOWS: MeteringWindows = Object.freeze({
  batchMaxAgeMs: 24 * HOUR_MS,
  batchMonthEndGraceMs: 6 * HOUR_MS,
  meterMaxAgeMs: 6 * HOUR_MS,
  futureToleranceMs: 15 * MINUTE_MS,
  finalMeteringMs: HOUR_MS,
})

const iso = (ms: number) => new Date(ms).toISOString()

function startOfMonthUtcMs(ms: number): number {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Why a BatchMeterUsage timestamp is refused, or undefined when it is inside the window. */
export function batchTimestampProblem(timestampMs: number, nowMs: number, w: MeteringWindows): string | undefined {
  if (timestampMs > nowMs + w.futureToleranceMs) return `${iso(timestampMs)} is in the future`
  if (nowMs - timestampMs >= w.batchMaxAgeMs) return `${iso(timestampMs)} is ${w.batchMaxAgeMs / HOUR_MS} hours or more in the past`
  // Month-end grace: usage of a closed billing month is accepted only until the grace ends.
  const monthStartMs = startOfMonthUtcMs(nowMs)
  if (timestampMs < monthStartMs && nowMs >= monthStartMs + w.batchMonthEndGraceMs) {
    return `${iso(timestampMs)} belongs to a billing month that closed at ${iso(monthStartMs + w.batchMonthEndGraceMs)}`
  }
  return undefined
}

/** One bad timestamp refuses the whole batch, as AWS documents: the first problem, or undefined. */
export function batchWindowProblem(timestampsMs: readonly number[], nowMs: number, w: MeteringWindows): string | undefined {
  for (const ts of timestampsMs) {
    const problem = batchTimestampProblem(ts, nowMs, w)
    if (problem) return problem
  }
  return undefined
}

/** Why a MeterUsage timestamp is refused, or undefined when it is inside the window. */
export function meterTimestampProblem(timestampMs: number, nowMs: number, w: MeteringWindows): string | undefined {
  if (timestampMs > nowMs + w.futureToleranceMs) return `${iso(timestampMs)} is in the future`
  if (nowMs - timestampMs > w.meterMaxAgeMs) return `${iso(timestampMs)} is more than ${w.meterMaxAgeMs / HOUR_MS} hours in the past`
  return undefined
}
