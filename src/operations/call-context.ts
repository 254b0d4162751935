import type { Catalog } from '../catalog/catalog.js'
import type { FaultRules } from '../controls/fault-rules.js'
import type { Quotas } from '../controls/quotas.js'
import type { MeteringWindows } from '../domain/metering-windows.js'
import { AwsError } from '../errors/aws-error.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import type { PreparedCall } from '../protocol/service.js'
import type { Clock } from '../shared/clock.js'
import type { OperationContext } from './operation.js'

export interface CallContextDeps {
  catalog: Catalog
  ledger: Ledger
  /** meterd's metering clock (virtual). */
  clock: Clock
  windows: MeteringWindows
  keys: KeyRing
  quotas: Quotas
  faults: FaultRules
  anonymousBuyerAccountId?: string
}

const INTERNAL_ERROR_MESSAGE =
  'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the AWS forums.'

/**
 * The seller's controls in front of every operation, in AWS's order (throttling comes before
 * validation): the request quota, then the fault rules; then the context the operation runs with.
 */
export function createCallContext(deps: CallContextDeps): (call: PreparedCall) => Promise<OperationContext> {
  return async (call) => {
    const { caller } = call
    if (!(await deps.quotas.take(call.operation, caller.accountId ?? 'anonymous', caller.signingRegion ?? 'us-east-1'))) {
      call.markInjected('quota')
      throw new AwsError('ThrottlingException', 'Rate exceeded')
    }
    const productCode = productCodeOf(call.params)
    const fault = await deps.faults.match({
      operation: call.operation,
      ...(productCode ? { productCode } : {}),
      ...(caller.accountId ? { accountId: caller.accountId } : {}),
    })
    if (fault) {
      call.markInjected(`fault:${fault.ruleIds.join(',')}`)
      if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
      if (fault.error === 'ThrottlingException') throw new AwsError('ThrottlingException', 'Rate exceeded')
      if (fault.error === 'InternalServiceErrorException') throw new AwsError('InternalServiceErrorException', INTERNAL_ERROR_MESSAGE)
    }
    return {
      caller,
      requestId: call.requestId,
      nowMs: deps.clock.nowMs(),
      catalog: deps.catalog,
      ledger: deps.ledger,
      windows: deps.windows,
      keys: deps.keys,
      ...(deps.anonymousBuyerAccountId ? { anonymousBuyerAccountId: deps.anonymousBuyerAccountId } : {}),
      ...(fault?.unprocessedShare ? { unprocessedShare: fault.unprocessedShare } : {}),
      ...(fault?.entitlementsAnswer ? { entitlementsAnswer: fault.entitlementsAnswer } : {}),
    }
  }
}

const productCodeOf = (params: unknown): string | undefined => {
  const value = params !== null && typeof params === 'object' ? (params as { ProductCode?: unknown }).ProductCode : undefined
  return typeof value === 'string' ? value : undefined
}
