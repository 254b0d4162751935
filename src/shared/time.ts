export const SECOND_MS = 1000
export const MINUTE_MS = 60 * SECOND_MS
export const HOUR_MS = 60 * MINUTE_MS

export const hourStartMs = (timestampMs: number): number => Math.floor(timestampMs / HOUR_MS) * HOUR_MS

/** Parses a duration such as `24h`, `90m`, `30s` or a bare number of seconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (!m) return undefined
  const unit = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: 24 * HOUR_MS }[(m[2] ?? 's') as 'ms']
  return Math.round(Number(m[1]) * unit)
}
