import { batchRecordStatus, type Billing, billRecord, customerFieldsProblem, type RecordCustomer } from '../domain/billing.js'
import { batchWindowProblem } from '../domain/metering-windows.js'
import { isReplayOf, type UsageRecord } from '../domain/usage-record.js'
import { hasDimension, type License, type Product } from '../domain/world.js'
import { AwsError } from '../errors/aws-error.js'
import type { RecordUsageOutcome } from '../ledger/ledger.js'
import { type Infer, list, optional, required, structure, timestamp } from '../protocol/shape.js'
import { newId } from '../shared/ids.js'
import { hourStartMs } from '../shared/time.js'
import { defineOperation, type OperationContext } from './operation.js'
import {
  CustomerAWSAccountId,
  CustomerIdentifier,
  LicenseArn,
  ProductCode,
  UsageAllocations,
  UsageDimension,
  UsageQuantity,
} from './shapes.js'
import { assertValidAllocations, secondsToMs, toAllocations } from './usage-input.js'

const UsageRecordShape = structure({
  Timestamp: required(timestamp()),
  CustomerIdentifier: optional(CustomerIdentifier),
  Dimension: required(UsageDimension),
  Quantity: optional(UsageQuantity),
  UsageAllocations: optional(UsageAllocations),
  CustomerAWSAccountId: optional(CustomerAWSAccountId),
  LicenseArn: optional(LicenseArn),
})
type WireUsageRecord = Infer<typeof UsageRecordShape>

export const BatchMeterUsageInput = structure({
  UsageRecords: required(list(UsageRecordShape, { min: 0, max: 25 })),
  ProductCode: optional(ProductCode),
})

/** Regions where AWS serves BatchMeterUsage (metering-regions doc); elsewhere DisabledApiException. */
const BATCH_REGIONS = new Set(
  (
    'eu-north-1 me-south-1 ap-south-1 eu-west-3 ap-southeast-3 us-east-2 af-south-1 eu-west-1 me-central-1 eu-central-1 sa-east-1 ' +
    'ap-east-1 ap-south-2 us-east-1 ap-northeast-2 ap-northeast-3 eu-west-2 ap-southeast-4 eu-south-1 ap-northeast-1 us-west-2 ' +
    'us-west-1 ap-southeast-1 ap-southeast-2 il-central-1 ca-central-1 eu-south-2 eu-central-2 cn-northwest-1'
  ).split(' '),
)

/**
 * BatchMeterUsage: a SaaS seller reports up to 25 usage records for one product. Request-level
 * problems refuse the whole batch; per record the answer is Success, CustomerNotSubscribed or
 * DuplicateRecord. An identical retry is answered exactly as the first call was.
 */
export const batchMeterUsage = defineOperation({
  name: 'BatchMeterUsage',
  input: BatchMeterUsageInput,
  async run(input, ctx) {
    const records = input.UsageRecords
    const productCode = input.ProductCode ?? '' // absent and "" are the same (Smithy @default(""))
    if (ctx.caller.signingRegion && !BATCH_REGIONS.has(ctx.caller.signingRegion)) {
      throw new AwsError('DisabledApiException', `The API is disabled in the Region ${ctx.caller.signingRegion}.`)
    }
    // 1. The product: named by ProductCode, or by the records' LicenseArn (concurrent agreements).
    const product = productCode !== '' ? productByCode(productCode, records, ctx) : productByLicenses(records, ctx)
    if (!product) return { Results: [], UnprocessedRecords: [] }
    // 2. Every record must be meterable before any is recorded.
    for (const record of records) {
      const customerProblem = customerFieldsProblem(customerOf(record))
      if (customerProblem) throw new AwsError('InvalidCustomerIdentifierException', customerProblem)
      if (!hasDimension(product, record.Dimension)) {
        throw new AwsError(
          'InvalidUsageDimensionException',
          `The usage dimension '${record.Dimension}' does not match one of the UsageDimensions associated with product ${product.code}.`,
        )
      }
      assertValidAllocations(record.Quantity ?? 0, toAllocations(record.UsageAllocations))
    }
    const windowProblem = batchWindowProblem(
      records.map((r) => secondsToMs(r.Timestamp)),
      ctx.nowMs,
      ctx.windows,
    )
    if (windowProblem) {
      throw new AwsError(
        'TimestampOutOfBoundsException',
        `The timestamp value passed in the UsageRecord is out of allowed range: ${windowProblem}. For BatchMeterUsage, if any of the records are outside of the allowed range, the entire batch is not processed.`,
      )
    }
    // 3. An injected fault may leave the last records unprocessed: they are not recorded.
    const unprocessed = ctx.unprocessedShare ? Math.ceil(records.length * ctx.unprocessedShare) : 0
    const processed = records.slice(0, records.length - unprocessed)
    // 4. Decide each record's status and write them as one unit.
    const usage = processed.map((record) => toUsageRecord(record, product, billingOf(record, product, ctx), ctx))
    const outcomes = await ctx.ledger.recordUsage(
      usage.map((record) => ({ record, keepRefused: true })),
      isReplayOf,
    )
    return {
      Results: outcomes.map((outcome, i) => toResult(processed[i]!, outcome)),
      UnprocessedRecords: records.slice(processed.length).map(echo),
    }
  },
})

function productByCode(code: string, records: readonly WireUsageRecord[], ctx: OperationContext): Product {
  if (records.some((r) => r.LicenseArn !== undefined && r.LicenseArn !== null)) {
    throw new AwsError(
      'ValidationException',
      'ProductCode and LicenseArn are mutually exclusive: send ProductCode for the request, or LicenseArn in every UsageRecord.',
    )
  }
  const product = ctx.catalog.findProduct(code)
  if (!product || product.type !== 'saas' || !callerPublishes(product, ctx)) {
    throw new AwsError(
      'InvalidProductCodeException',
      'The product code passed does not match the product code used for publishing the product.',
    )
  }
  return product
}

function productByLicenses(records: readonly WireUsageRecord[], ctx: OperationContext): Product | undefined {
  if (records.length === 0) return undefined
  let product: Product | undefined
  for (const record of records) {
    if (!record.LicenseArn) {
      throw new AwsError('ValidationException', 'ProductCode is required unless every UsageRecord carries a LicenseArn.')
    }
    const grant = saasGrantOf(record.LicenseArn, ctx)
    if (!grant)
      throw new AwsError('InvalidLicenseException', `The LicenseArn ${record.LicenseArn} is not a license to a SaaS product you publish.`)
    if (product && product.code !== grant.product) {
      throw new AwsError('InvalidLicenseException', 'All UsageRecords of one request must be for the same product.')
    }
    product = ctx.catalog.findProduct(grant.product)
  }
  return product
}

function saasGrantOf(licenseArn: string, ctx: OperationContext): License | undefined {
  return ctx.catalog.licenseGrants(licenseArn).find((grant) => {
    const product = ctx.catalog.findProduct(grant.product)
    return product?.type === 'saas' && callerPublishes(product, ctx)
  })
}

// Unknown keys in permissive mode act as the product's seller.
const callerPublishes = (product: Product, ctx: OperationContext) =>
  ctx.caller.accountId === undefined || product.seller === ctx.caller.accountId

/** The record's customer fields, wire → domain (null is absent, as the SDKs send it). */
const customerOf = (record: WireUsageRecord): RecordCustomer => ({
  ...(record.CustomerIdentifier != null ? { customerIdentifier: record.CustomerIdentifier } : {}),
  ...(record.CustomerAWSAccountId != null ? { customerAccountId: record.CustomerAWSAccountId } : {}),
  ...(record.LicenseArn != null ? { licenseArn: record.LicenseArn } : {}),
})

function billingOf(record: WireUsageRecord, product: Product, ctx: OperationContext): Billing {
  const outcome = billRecord(
    { ...customerOf(record), dimension: record.Dimension, timestampMs: secondsToMs(record.Timestamp) },
    product,
    ctx.catalog,
  )
  if (!outcome.ok) throw new AwsError('InvalidLicenseException', outcome.licenseProblem)
  return outcome.billing
}

function toUsageRecord(wire: WireUsageRecord, product: Product, billing: Billing, ctx: OperationContext): UsageRecord {
  const timestampMs = secondsToMs(wire.Timestamp)
  const record: UsageRecord = {
    meteringRecordId: newId(),
    dedupKey: billing.slotKey,
    operation: 'BatchMeterUsage',
    status: batchRecordStatus(billing, { usageAtMs: timestampMs, nowMs: ctx.nowMs, finalMeteringMs: ctx.windows.finalMeteringMs }),
    productCode: product.code,
    dimension: wire.Dimension,
    quantity: wire.Quantity ?? 0,
    timestampMs,
    hourMs: hourStartMs(timestampMs),
    callerAccountId: ctx.caller.accountId ?? product.seller,
    requestId: ctx.requestId,
    receivedAtMs: ctx.nowMs,
  }
  if (wire.CustomerIdentifier) record.customerIdentifier = wire.CustomerIdentifier
  if (wire.CustomerAWSAccountId) record.customerAccountId = wire.CustomerAWSAccountId
  if (wire.LicenseArn) record.licenseArn = wire.LicenseArn
  const allocations = toAllocations(wire.UsageAllocations)
  if (allocations) record.allocations = allocations
  if (ctx.caller.accessKeyId) record.callerAccessKeyId = ctx.caller.accessKeyId
  return record
}

function toResult(wire: WireUsageRecord, outcome: RecordUsageOutcome) {
  if (outcome.kind !== 'created' && outcome.kind !== 'replayed' && outcome.kind !== 'duplicate') {
    throw new Error(`unexpected ledger outcome ${outcome.kind} for BatchMeterUsage`)
  }
  return { UsageRecord: echo(wire), MeteringRecordId: outcome.record.meteringRecordId, Status: outcome.record.status }
}

/** The record as the caller sent it (nulls dropped, Quantity defaulted), timestamps as epoch seconds. */
function echo(wire: WireUsageRecord): WireUsageRecord {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(wire)) {
    if (value !== null && value !== undefined && name in UsageRecordShape.members) out[name] = value
  }
  out.Quantity = wire.Quantity ?? 0
  return out as WireUsageRecord
}
