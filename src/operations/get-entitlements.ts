import { type Entitlement, type EntitlementFilter, type EntitlementKey, entitlementsOf } from '../domain/entitlements.js'
import type { Product } from '../domain/world.js'
import { AwsError } from '../errors/aws-error.js'
import { EpochTimestamp } from '../protocol/epoch-timestamp.js'
import { integer, list, map, optional, required, string, structure } from '../protocol/shape.js'
import { defineOperation } from './operation.js'

const FILTER_NAMES = ['CUSTOMER_IDENTIFIER', 'DIMENSION', 'CUSTOMER_AWS_ACCOUNT_ID', 'LICENSE_ARN'] as const
const DEFAULT_PAGE_SIZE = 25

// Constraints as in the service model (botocore 1.43). Smithy patterns are not anchored: \S+
// refuses only a token with no visible character at all.
export const GetEntitlementsInput = structure({
  ProductCode: required(string({ min: 1, max: 255 })),
  Filter: optional(map(string({ enum: FILTER_NAMES }), list(string(), { min: 1 }))),
  NextToken: optional(string({ pattern: '\\S+' })),
  MaxResults: optional(integer({ min: 1, max: 25 })),
})

const invalid = (message: string) => new AwsError('InvalidParameterException', message)

/**
 * GetEntitlements: what a product's buyers hold under their contracts, for the product's seller.
 * One entitlement per contract dimension of every agreement that holds now, filters unioned
 * within a name and intersected across names, pages of at most MaxResults in a stable order.
 */
export const getEntitlements = defineOperation({
  name: 'GetEntitlements',
  input: GetEntitlementsInput,
  async run(input, ctx) {
    // 1. The product: only its publishing seller reads its entitlements (unknown keys in permissive mode act as it).
    const product = ctx.catalog.findProduct(input.ProductCode)
    if (!product || (ctx.caller.accountId !== undefined && product.seller !== ctx.caller.accountId)) {
      throw invalid(`The product code ${input.ProductCode} does not match a product you publish.`)
    }
    // 2. Filters and the page to start from.
    const filter = toFilter(input.Filter ?? {})
    const after = input.NextToken === undefined ? undefined : decodeToken(input.NextToken, product.code)
    // 3. An injected fault may answer with the edge cases sellers' code has crashed on.
    if (ctx.entitlementsAnswer === 'omitted') return {}
    if (ctx.entitlementsAnswer === 'empty-page') return { Entitlements: [], NextToken: encodeToken(product.code, after ?? null) }
    // 4. The page.
    const pageSize = input.MaxResults ?? DEFAULT_PAGE_SIZE
    const found = entitlementsOf(product, ctx.catalog.agreementsFor(product.code), ctx.nowMs, filter, after ?? undefined)
    const page = found.slice(0, pageSize)
    return {
      Entitlements: page.map((e) => toWire(e, product)),
      ...(found.length > pageSize ? { NextToken: encodeToken(product.code, page.at(-1)!.key) } : {}),
    }
  },
})

function toFilter(wire: Partial<Record<string, string[]>>): EntitlementFilter {
  if (wire.CUSTOMER_IDENTIFIER && wire.CUSTOMER_AWS_ACCOUNT_ID) {
    throw invalid('CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID are mutually exclusive; filter by one of them.')
  }
  return {
    ...(wire.CUSTOMER_IDENTIFIER ? { customerIdentifiers: wire.CUSTOMER_IDENTIFIER } : {}),
    ...(wire.CUSTOMER_AWS_ACCOUNT_ID ? { accountIds: wire.CUSTOMER_AWS_ACCOUNT_ID } : {}),
    ...(wire.DIMENSION ? { dimensions: wire.DIMENSION } : {}),
    ...(wire.LICENSE_ARN ? { licenseArns: wire.LICENSE_ARN } : {}),
  }
}

const VALUE_MEMBER = { integer: 'IntegerValue', double: 'DoubleValue', boolean: 'BooleanValue', string: 'StringValue' } as const

function toWire(e: Entitlement, product: Product) {
  return {
    ProductCode: e.productCode,
    Dimension: e.dimension,
    // As in ResolveCustomer: only legacy integrations still get a CustomerIdentifier.
    ...(product.integration === 'legacy' ? { CustomerIdentifier: e.customerIdentifier } : {}),
    CustomerAWSAccountId: e.accountId,
    Value: { [VALUE_MEMBER[e.type]]: e.value },
    ...(e.expirationMs !== null ? { ExpirationDate: EpochTimestamp.fromMs(e.expirationMs) } : {}),
    LicenseArn: e.licenseArn,
  }
}

/** A NextToken: where the next page starts (after `key`; null: from the first), for one product. */
function encodeToken(productCode: string, key: EntitlementKey | null): string {
  return Buffer.from(JSON.stringify({ p: productCode, k: key })).toString('base64url')
}

function decodeToken(token: string, productCode: string): EntitlementKey | null {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  const { p, k } = (decoded ?? {}) as { p?: unknown; k?: unknown }
  const key =
    k === null || (Array.isArray(k) && k.length === 3 && typeof k[0] === 'number' && typeof k[1] === 'string' && typeof k[2] === 'number')
  if (p !== productCode || !key) throw invalid('The NextToken is not one that GetEntitlements returned for this product.')
  return k as EntitlementKey | null
}
