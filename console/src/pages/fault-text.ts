import type { FaultRuleView } from '../admin.js'
import { formatNumber, formatPercent } from '../format.js'

/** A fault rule in one sentence: "BatchMeterUsage: ThrottlingException, next 3 calls (2 left)". */
export function describeFault(rule: FaultRuleView): string {
  const effects = [
    rule.error,
    rule.unprocessedShare !== undefined ? `${formatPercent(rule.unprocessedShare)} of records unprocessed` : undefined,
    rule.latencyMs !== undefined ? `+${formatNumber(rule.latencyMs)} ms latency` : undefined,
  ].filter(Boolean)
  const scope = [rule.productCode && `product ${rule.productCode}`, rule.accountId && `account ${rule.accountId}`].filter(Boolean)
  const when = [
    rule.probability !== undefined ? `${formatPercent(rule.probability)} of calls` : undefined,
    rule.times !== undefined ? `next ${formatNumber(rule.times)} calls (${formatNumber(rule.remaining ?? 0)} left)` : undefined,
    rule.forSeconds !== undefined ? `for ${formatNumber(rule.forSeconds)} s` : undefined,
  ].filter(Boolean)
  if (when.length === 0) when.push('every call')
  const operation = rule.operation === '*' ? 'Every operation' : rule.operation
  return `${operation}${scope.length ? ` (${scope.join(', ')})` : ''}: ${effects.join(' and ')}, ${when.join(', ')}`
}
