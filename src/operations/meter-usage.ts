import { createHash } from 'node:crypto'
import { hasDimension } from '../domain/world.js'
import { isAccountEntitled } from '../domain/entitlement.js'
import { meterTimestampProblem } from '../domain/metering-windows.js'
import { isReplayOf, meterSlotKey, type UsageRecord } from '../domain/usage-record.js'
import { AwsError } from '../errors/aws-error.js'
import { boolean, type Infer, optional, required, structure, timestamp } from '../protocol/shape.js'
import { newId } from '../shared/ids.js'
import { hourStartMs } from '../shared/time.js'
import { defineOperation } from './operation.js'
import { ClientToken, ProductCode, UsageAllocations, UsageDimension, UsageQuantity } from './shapes.js'
import { assertValidAllocations, secondsToMs, toAllocations } from './usage-input.js'

export const MeterUsageInput = structure({
  ProductCode: required(ProductCode),
  Timestamp: required(timestamp()),
  UsageDimension: required(UsageDimension),
  UsageQuantity: optional(UsageQuantity),
  DryRun: optional(boolean()),
  UsageAllocations: optional(UsageAllocations),
  ClientToken: optional(ClientToken),
})
type MeterUsageRequest = Infer<typeof MeterUsageInput>

/**
 * MeterUsage: an AMI or container workload reports usage with the buyer's credentials, once per
 * hour per dimension per EC2 instance / ECS task / EKS pod. The timestamp is rounded down to the
 * hour; the same quantity again is answered with the same MeteringRecordId, another quantity is
 * a DuplicateRequestException. SDKs send a fresh ClientToken on every call, so the token only
 * identifies retries of one call; it never opens a second record in the same hour.
 */
export const meterUsage = defineOperation({
  name: 'MeterUsage',
  input: MeterUsageInput,
  async run(input, ctx) {
    const buyerAccountId = ctx.caller.accountId ?? ctx.anonymousBuyerAccountId
    const product = ctx.catalog.findProduct(input.ProductCode)
    if (!product || product.type === 'saas') {
      throw new AwsError(
        'InvalidProductCodeException',
        'The product code passed does not match the product code used for publishing the product.',
      )
    }
    const resourceRegion = ctx.caller.credential?.region
    if (resourceRegion && ctx.caller.signingRegion && resourceRegion !== ctx.caller.signingRegion) {
      throw new AwsError(
        'InvalidEndpointRegionException',
        `The endpoint being called is in ${ctx.caller.signingRegion}, a Region different from your EC2 instance, ECS task, or EKS pod (${resourceRegion}). The Region of the Metering Service endpoint and the AWS Region of the resource must match.`,
      )
    }
    if (!hasDimension(product, input.UsageDimension)) {
      throw new AwsError(
        'InvalidUsageDimensionException',
        `The usage dimension '${input.UsageDimension}' does not match one of the UsageDimensions associated with product ${product.code}.`,
      )
    }
    const quantity = input.UsageQuantity ?? 0
    const allocations = toAllocations(input.UsageAllocations)
    assertValidAllocations(quantity, allocations)
    const timestampMs = secondsToMs(input.Timestamp)
    const windowProblem = meterTimestampProblem(timestampMs, ctx.nowMs, ctx.windows)
    if (windowProblem) {
      throw new AwsError(
        'TimestampOutOfBoundsException',
        `The timestamp value passed in the request is out of allowed range: ${windowProblem}.`,
      )
    }
    if (
      !buyerAccountId ||
      !isAccountEntitled(ctx.catalog, buyerAccountId, product.code, {
        usageAtMs: timestampMs,
        nowMs: ctx.nowMs,
        finalMeteringMs: ctx.windows.finalMeteringMs,
      })
    ) {
      throw new AwsError('CustomerNotEntitledException', `The customer does not have a valid subscription for the product ${product.code}.`)
    }
    if (input.DryRun) throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.')

    const resourceId = ctx.caller.credential?.resourceId ?? ctx.caller.accessKeyId ?? 'anonymous'
    const record: UsageRecord = {
      meteringRecordId: newId(),
      dedupKey: meterSlotKey(product.code, resourceId, input.UsageDimension, hourStartMs(timestampMs)),
      operation: 'MeterUsage',
      status: 'Success',
      productCode: product.code,
      dimension: input.UsageDimension,
      quantity,
      timestampMs,
      hourMs: hourStartMs(timestampMs),
      customerAccountId: buyerAccountId,
      resourceId,
      callerAccountId: buyerAccountId,
      requestId: ctx.requestId,
      receivedAtMs: ctx.nowMs,
    }
    if (allocations) record.allocations = allocations
    if (ctx.caller.accessKeyId) record.callerAccessKeyId = ctx.caller.accessKeyId
    const clientToken = input.ClientToken
      ? { accountId: buyerAccountId, token: input.ClientToken, fingerprint: fingerprint(input) }
      : undefined
    const [outcome] = await ctx.ledger.recordUsage([{ record, clientToken }], isReplayOf)
    switch (outcome?.kind) {
      case 'created':
      case 'replayed':
        return { MeteringRecordId: outcome.record.meteringRecordId }
      case 'token-conflict':
        throw new AwsError('IdempotencyConflictException', 'The ClientToken is being used for multiple requests.')
      default:
        throw new AwsError(
          'DuplicateRequestException',
          `A metering record has already been emitted by the same EC2 instance, ECS task, or EKS pod for the given {usageDimension, timestamp} with a different usageQuantity.`,
        )
    }
  },
})

/** What "the same parameters" means for a reused ClientToken: every member but the token. */
function fingerprint(input: MeterUsageRequest): string {
  const { ClientToken: _token, ...rest } = input
  const canonical = JSON.stringify({
    ProductCode: rest.ProductCode,
    Timestamp: rest.Timestamp,
    UsageDimension: rest.UsageDimension,
    UsageQuantity: rest.UsageQuantity ?? 0,
    DryRun: rest.DryRun ?? false,
    UsageAllocations: rest.UsageAllocations ?? null,
  })
  return createHash('sha256').update(canonical).digest('hex')
}
