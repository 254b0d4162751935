import { z } from 'zod'
import type { Ledger, StoredFaultRule } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import { staleReadGuard } from '../shared/stale-reads.js'
import { newId } from '../shared/ids.js'

const OPERATION_NAMES = ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer', 'GetEntitlements'] as const

/** A fault rule as the admin API takes it. */
export const FaultRuleInput = z
  .strictObject({
    operation: z.enum([...OPERATION_NAMES, '*']),
    productCode: z.string().min(1).optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    /** Answer with this error instead of running the operation. */
    error: z.enum(['ThrottlingException', 'InternalServiceErrorException']).optional(),
    /** BatchMeterUsage: this share of each batch's records (the last ones) is returned unprocessed. */
    unprocessedShare: z.number().gt(0).max(1).optional(),
    /**
     * GetEntitlements: answer `{}` (no Entitlements member) or an empty page that carries a
     * NextToken, the edge answers sellers' code has crashed on.
     */
    entitlementsAnswer: z.enum(['omitted', 'empty-page']).optional(),
    /** Delay the answer by this long. */
    latencyMs: z.number().int().min(1).max(60_000).optional(),
    /** Chance that a matching call is affected (default 1). */
    probability: z.number().gt(0).max(1).optional(),
    /** Only the next N matching calls. */
    times: z.number().int().min(1).optional(),
    /** Only for this long after the rule is added (real time). */
    forSeconds: z.number().positive().optional(),
  })
  .superRefine((rule, ctx) => {
    const outcomes = [rule.error, rule.unprocessedShare, rule.entitlementsAnswer].filter((o) => o !== undefined)
    if (outcomes.length === 0 && rule.latencyMs === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give error, unprocessedShare, entitlementsAnswer and/or latencyMs', path: [] })
    }
    if (outcomes.length > 1) {
      ctx.addIssue({ code: 'custom', message: 'error, unprocessedShare and entitlementsAnswer exclude each other', path: [] })
    }
    if (rule.unprocessedShare !== undefined && rule.operation !== 'BatchMeterUsage') {
      ctx.addIssue({ code: 'custom', message: 'only BatchMeterUsage has UnprocessedRecords', path: ['unprocessedShare'] })
    }
    if (rule.entitlementsAnswer !== undefined && rule.operation !== 'GetEntitlements') {
      ctx.addIssue({ code: 'custom', message: 'only GetEntitlements answers with entitlements', path: ['entitlementsAnswer'] })
    }
  })
export type FaultRuleSpec = z.output<typeof FaultRuleInput>

export interface FaultRule extends FaultRuleSpec {
  id: string
  createdAt: string
  /** Calls left, for rules limited by `times`. */
  remaining?: number
  expiresAt?: string
}

/** What the matching rules do to one call. */
export interface InjectedFault {
  ruleIds: string[]
  error?: 'ThrottlingException' | 'InternalServiceErrorException'
  unprocessedShare?: number
  entitlementsAnswer?: 'omitted' | 'empty-page'
  latencyMs?: number
}

export interface FaultRules {
  list(): Promise<FaultRule[]>
  add(spec: FaultRuleSpec): Promise<FaultRule>
  remove(id: string): Promise<boolean>
  clear(): Promise<number>
  /** The fault to inject into this call, if any (consumes counted rules). */
  match(call: { operation: string; productCode?: string; accountId?: string }): Promise<InjectedFault | undefined>
  /** Re-reads the rules (another node may have changed them). */
  refresh(): Promise<void>
}

/**
 * Fault injection: rules kept in the ledger (so every node applies them) and cached here. Time
 * spans use the real clock: a fault window is about the test run, not the metered usage.
 */
export async function openFaultRules(
  store: Pick<Ledger, 'listFaultRules' | 'addFaultRule' | 'removeFaultRule' | 'removeAllFaultRules' | 'consumeFaultRule'>,
  realClock: Clock,
  random: () => number = Math.random,
): Promise<FaultRules> {
  let cache: FaultRule[] = []
  const guard = staleReadGuard()
  const toRule = (r: StoredFaultRule): FaultRule => {
    const spec = r.document as FaultRuleSpec
    const rule: FaultRule = { ...spec, id: r.id, createdAt: new Date(r.createdAtMs).toISOString() }
    if (r.remaining !== undefined) rule.remaining = r.remaining
    if (spec.forSeconds !== undefined) rule.expiresAt = new Date(r.createdAtMs + spec.forSeconds * 1000).toISOString()
    return rule
  }
  const reload = () =>
    guard.read(
      async () => (await store.listFaultRules()).map(toRule),
      (rules) => {
        cache = rules
      },
    )
  await reload()
  const live = (rule: FaultRule, nowMs: number) =>
    (rule.expiresAt === undefined || Date.parse(rule.expiresAt) > nowMs) && (rule.remaining === undefined || rule.remaining > 0)
  return {
    list: async () => (await reload()).filter((r) => live(r, realClock.nowMs())),
    async add(spec) {
      // Time-ordered ids: rules added within one millisecond still list (and apply) in the order added.
      const stored = { id: newId(), document: spec, remaining: spec.times, createdAtMs: realClock.nowMs() }
      // The cache changes with the store, not by a re-read: a re-read overlapping another call's
      // change is dropped, and this rule must apply to the next call as soon as add() returns.
      return guard.write(async () => {
        await store.addFaultRule(stored)
        const rule = toRule(stored)
        cache = [...cache, rule]
        return rule
      })
    },
    remove: (id) =>
      guard.write(async () => {
        const removed = await store.removeFaultRule(id)
        cache = cache.filter((r) => r.id !== id)
        return removed
      }),
    clear: () =>
      guard.write(async () => {
        const n = await store.removeAllFaultRules()
        cache = []
        return n
      }),
    refresh: async () => {
      await reload()
    },
    async match({ operation, productCode, accountId }) {
      if (cache.length === 0) return undefined
      const nowMs = realClock.nowMs()
      let fault: InjectedFault | undefined
      for (const rule of cache) {
        if (!live(rule, nowMs)) continue
        if (rule.operation !== '*' && rule.operation !== operation) continue
        if (rule.productCode !== undefined && rule.productCode !== productCode) continue
        if (rule.accountId !== undefined && rule.accountId !== accountId) continue
        if (rule.probability !== undefined && random() >= rule.probability) continue
        // A rule whose only effect is already overruled (an error vs. unprocessed records) does
        // nothing to this call, so it must not use up one of its counted calls either.
        const outcomeTaken = fault?.error !== undefined || fault?.unprocessedShare !== undefined || fault?.entitlementsAnswer !== undefined
        if (outcomeTaken && rule.latencyMs === undefined) continue
        if (rule.remaining !== undefined) {
          if (!(await store.consumeFaultRule(rule.id))) continue
          rule.remaining -= 1
        }
        fault ??= { ruleIds: [] }
        fault.ruleIds.push(rule.id)
        if (rule.latencyMs !== undefined) fault.latencyMs = Math.max(fault.latencyMs ?? 0, rule.latencyMs)
        // The first rule with an outcome decides it; later ones may only add latency.
        if (!outcomeTaken) {
          if (rule.error !== undefined) fault.error = rule.error
          if (rule.unprocessedShare !== undefined) fault.unprocessedShare = rule.unprocessedShare
          if (rule.entitlementsAnswer !== undefined) fault.entitlementsAnswer = rule.entitlementsAnswer
        }
      }
      return fault
    },
  }
}
