import { z } from 'zod'
import type { Ledger } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import { staleReadGuard } from '../shared/stale-reads.js'
import { type TokenBucket, takeToken } from '../domain/token-bucket.js'

/** Requests per second per AWS account per Region, as AWS publishes them (ResolveCustomer has none). */
export const AWS_QUOTAS = Object.freeze({ BatchMeterUsage: 10, MeterUsage: 10, RegisterUsage: 5 })

export const QuotaSettings = z.strictObject({
  enabled: z.boolean(),
  /** Requests per second; the bucket holds one second's worth. */
  rates: z.strictObject({
    BatchMeterUsage: z.number().positive().optional(),
    MeterUsage: z.number().positive().optional(),
    RegisterUsage: z.number().positive().optional(),
    ResolveCustomer: z.number().positive().optional(),
    GetEntitlements: z.number().positive().optional(),
  }),
})
export type QuotaSettings = z.output<typeof QuotaSettings>

export const DEFAULT_QUOTAS: QuotaSettings = { enabled: true, rates: { ...AWS_QUOTAS } }

export interface Quotas {
  settings(): QuotaSettings
  update(settings: QuotaSettings): Promise<QuotaSettings>
  /** Takes a token for this call; false means throttle it. */
  take(operation: string, accountId: string, region: string): Promise<boolean>
  refresh(): Promise<void>
}

const CONTROL_NAME = 'quotas'

/**
 * Token buckets per (account, Region, operation), refilled continuously at the configured rate.
 * The settings are shared through the ledger. A single process keeps the buckets in memory;
 * with `shared`, (several nodes) they live in the ledger so the quota holds across nodes.
 */
export async function openQuotas(
  store: Pick<Ledger, 'loadControl' | 'saveControl' | 'takeQuotaToken'>,
  realClock: Clock,
  initial: QuotaSettings,
  shared = false,
): Promise<Quotas> {
  let settings = initial
  const buckets = new Map<string, TokenBucket>()
  const guard = staleReadGuard()
  const refresh = async () => {
    await guard.read(
      () => store.loadControl(CONTROL_NAME),
      (stored) => {
        if (stored) settings = QuotaSettings.parse(stored)
      },
    )
  }
  await refresh()
  return {
    settings: () => settings,
    update: (next) =>
      guard.write(async () => {
        settings = next
        buckets.clear()
        await store.saveControl(CONTROL_NAME, next, realClock.nowMs())
        return settings
      }),
    async take(operation, accountId, region) {
      const rate = settings.rates[operation as keyof QuotaSettings['rates']]
      if (!settings.enabled || rate === undefined) return true
      // Printable separators: the shared bucket's key is a PostgreSQL text value, which refuses NUL.
      const key = `${accountId}/${region}/${operation}`
      const now = realClock.nowMs()
      if (shared) return store.takeQuotaToken(`${key}/${rate}`, rate, now)
      const { taken, bucket } = takeToken(buckets.get(key), rate, now)
      buckets.set(key, bucket)
      return taken
    },
    refresh,
  }
}
