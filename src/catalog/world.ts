import { z } from 'zod'
import { parseDurationMs } from '../shared/time.js'
import {
  type Account,
  type Agreement,
  type Credential,
  type Customer,
  type Dimension,
  type EntitlementValue,
  EVENTBRIDGE_DETAIL_TYPES,
  type License,
  type NotificationTarget,
  type Offer,
  type Product,
  valueTypeProblem,
  type World,
} from '../domain/world.js'

/**
 * The schema of the world in the `--config` file (YAML or JSON), the admin API and the stored
 * world document. It parses to the domain's plain types (checked at compile time below).
 */
const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
const Instant = z.union([z.string(), z.number(), z.date()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : Date.parse(value)
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time or epoch seconds' })
    return z.NEVER
  }
  return ms
})

export const CredentialSchema = z.strictObject({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16-128 upper-case letters or digits'),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1).optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')
    .default('us-east-1'),
  /** Stands for the EC2 instance, ECS task or EKS pod MeterUsage/RegisterUsage calls come from. */
  resourceId: z.string().min(1).optional(),
  /** The platform the resource runs on; RegisterUsage accepts ecs, eks and fargate. */
  platform: z.enum(['ec2', 'ecs', 'eks', 'fargate', 'other']).optional(),
})

export const AccountSchema = z.strictObject({
  id: AccountId,
  name: z.string().optional(),
  credentials: z.array(CredentialSchema).default([]),
})

/** A dimension is its name, or `{ name, price }` with a price per unit in USD for billing estimates. */
export const DimensionSchema = z
  .union([z.string().min(1).max(255), z.strictObject({ name: z.string().min(1).max(255), price: z.number().nonnegative().optional() })])
  .transform((d) => (typeof d === 'string' ? { name: d } : d))

export const ContractDimensionSchema = z.strictObject({
  name: z.string().min(1).max(255),
  type: z.enum(['integer', 'double', 'boolean', 'string']),
})

export const ProductSchema = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[-a-zA-Z0-9/=:_.@]+$/, 'must match ^[-a-zA-Z0-9/=:_.@]+$'),
    type: z.enum(['saas', 'ami', 'container']),
    seller: AccountId,
    /** usage: pay as you go (metered); contract; contract-with-consumption: a contract plus metered usage. */
    pricing: z.enum(['usage', 'contract', 'contract-with-consumption']).default('usage'),
    dimensions: z.array(DimensionSchema).default([]),
    contractDimensions: z.array(ContractDimensionSchema).default([]),
    fulfillmentUrl: z.url().optional(),
    /** Legacy integrations still get CustomerIdentifier from ResolveCustomer. */
    integration: z.enum(['legacy', 'concurrent-agreements']).default('concurrent-agreements'),
    /** Which notifications AWS sends about its buyers: SNS topics (SaaS only), EventBridge events, or both. */
    notifications: z.enum(['sns', 'eventbridge', 'both']).default('both'),
  })
  // Runs even when other fields are bad, so a file's every problem is named at once; the fields
  // it reads may then be what the file holds rather than parsed values.
  .superRefine(
    (p, ctx) => {
      const pricing = ['usage', 'contract', 'contract-with-consumption'].includes(p.pricing) ? p.pricing : undefined
      const metered = Array.isArray(p.dimensions) ? p.dimensions.length : undefined
      const contracted = Array.isArray(p.contractDimensions) ? p.contractDimensions.length : undefined
      if (!pricing) return
      if (pricing !== 'contract' && metered === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['dimensions'],
          message: `a product priced by ${pricing} needs at least one metering dimension`,
        })
      }
      if (pricing !== 'usage' && contracted === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['contractDimensions'],
          message: `a product priced by ${pricing} needs at least one contract dimension`,
        })
      }
      if (pricing === 'usage' && contracted !== undefined && contracted > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['contractDimensions'],
          message: 'only contract pricing has contract dimensions; set pricing to contract or contract-with-consumption',
        })
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )

export const CustomerSchema = z.strictObject({
  identifier: z.string().min(1).max(255),
  accountId: AccountId,
})

export const LicenseSchema = z.strictObject({
  arn: z.string().regex(/^arn:aws[a-zA-Z-]*:license-manager:/, 'must be a License Manager ARN (arn:aws:license-manager::...)'),
  customer: z.string().min(1),
  product: z.string().min(1),
  start: Instant,
  end: Instant.nullable().optional(),
  status: z.enum(['active', 'ended', 'suspended']).default('active'),
})

const EntitlementValueSchema = z.union([z.number(), z.boolean(), z.string()])
const Entitlements = z.record(z.string().min(1).max(255), EntitlementValueSchema).default({})

export const OfferSchema = z.strictObject({
  id: z.string().regex(/^offer-[A-Za-z0-9-]{1,64}$/, 'must be offer- followed by up to 64 letters, digits or dashes'),
  product: z.string().min(1),
  visibility: z.enum(['public', 'private']).default('public'),
  buyers: z.array(AccountId).default([]),
  freeTrialDays: z.number().int().min(1).max(366).optional(),
  durationMonths: z.number().int().min(1).max(60).optional(),
  autoRenew: z.boolean().default(false),
  entitlements: Entitlements,
})

export const AgreementVersionSchema = z.strictObject({
  version: z.number().int().min(1),
  intent: z.enum(['new', 'renew', 'replace', 'amend']),
  status: z.enum(['payment-failed', 'active', 'unsubscribe-pending', 'cancelled', 'expired', 'terminated', 'renewed', 'replaced']),
  at: Instant,
  start: Instant,
  end: Instant.nullable().default(null),
  freeTrialEnd: Instant.nullable().optional(),
  trialConverts: z.boolean().optional(),
  autoRenew: z.boolean().default(false),
  entitlements: Entitlements,
  endingAs: z.enum(['cancelled', 'expired', 'terminated']).optional(),
})

export const AgreementSchema = z.strictObject({
  id: z.string().regex(/^agmt-[A-Za-z0-9-]{1,64}$/, 'must be agmt- followed by up to 64 letters, digits or dashes'),
  product: z.string().min(1),
  offer: z.string().optional(),
  accountId: AccountId,
  customer: z.string().min(1),
  licenseArn: z.string().min(1),
  acceptedAt: Instant,
  versions: z.array(AgreementVersionSchema).min(1),
})

const Region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')
const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
const DurationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value)
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 20s, 500ms or a number of seconds' })
    return z.NEVER
  }
  return ms
})
const RetryPolicySchema = z
  .strictObject({
    attempts: z.number().int().min(1).max(1_000_000),
    minDelay: DurationMs,
    maxDelay: DurationMs,
    backoff: z.enum(['linear', 'exponential']).default('linear'),
  })
  .refine((r) => r.maxDelay >= r.minDelay, { message: 'maxDelay must not be shorter than minDelay', path: ['maxDelay'] })
  .transform((r) => ({ attempts: r.attempts, minDelayMs: r.minDelay, maxDelayMs: r.maxDelay, backoff: r.backoff }))
const AwsCredentialsSchema = z.strictObject({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1).optional(),
})
const targetBase = {
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _'),
  retry: RetryPolicySchema.optional(),
}
const snsBase = {
  ...targetBase,
  product: z.string().min(1),
  topic: z.enum(['subscription', 'entitlement']),
  signatureVersion: z
    .union([z.literal('1'), z.literal('2'), z.literal(1), z.literal(2)])
    .transform((v) => String(v) as '1' | '2')
    .default('1'),
  rawMessageDelivery: z.boolean().default(false),
}
const eventBase = {
  ...targetBase,
  products: z.array(z.string().min(1)).min(1, 'lists at least one product (leave it out for every product)').optional(),
  source: z.string().min(1).max(256).default('aws.agreement-marketplace'),
  detailTypes: z.array(z.enum(EVENTBRIDGE_DETAIL_TYPES)).min(1).optional(),
}

// Every field of every kind: a field no kind has is named as such before `type` picks the kind.
const TARGET_FIELDS = [
  ...new Set([
    'type',
    ...Object.keys(snsBase),
    ...Object.keys(eventBase),
    'url',
    'queueUrl',
    'endpoint',
    'region',
    'credentials',
    'eventBusName',
    'headers',
  ]),
]

/** Where notifications go: `type` picks the kind, each with its own fields. */
export const NotificationTargetSchema = z
  .looseObject({})
  .superRefine((target, ctx) => {
    const unknown = Object.keys(target).filter((key) => !TARGET_FIELDS.includes(key))
    if (unknown.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, input: target, continue: false })
  })
  .pipe(
    z.discriminatedUnion(
      'type',
      [
        z.strictObject({ ...snsBase, type: z.literal('sns-http'), url: HttpUrl }),
        z.strictObject({
          ...snsBase,
          type: z.literal('sns-sqs'),
          queueUrl: HttpUrl,
          endpoint: HttpUrl.optional(),
          region: Region.default('us-east-1'),
          credentials: AwsCredentialsSchema.optional(),
        }),
        z.strictObject({
          ...eventBase,
          type: z.literal('eventbridge'),
          eventBusName: z.string().min(1).max(1600).default('default'),
          endpoint: HttpUrl.optional(),
          region: Region.default('us-east-1'),
          credentials: AwsCredentialsSchema.optional(),
        }),
        z.strictObject({
          ...eventBase,
          type: z.literal('webhook'),
          url: HttpUrl,
          headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), z.string()).default({}),
        }),
      ],
      { error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of sns-http, sns-sqs, eventbridge, webhook' : undefined) },
    ),
  )

export const WorldSchema = z.strictObject({
  accounts: z.array(AccountSchema).default([]),
  products: z.array(ProductSchema).default([]),
  customers: z.array(CustomerSchema).default([]),
  licenses: z.array(LicenseSchema).default([]),
  offers: z.array(OfferSchema).default([]),
  agreements: z.array(AgreementSchema).default([]),
  notifications: z.array(NotificationTargetSchema).default([]),
})

export type WorldInput = z.input<typeof WorldSchema>

// The schema parses to exactly the domain's types: a field added on one side only fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Expect<T extends true> = T
export type _SchemaMatchesDomain = [
  Expect<Same<z.output<typeof CredentialSchema>, Credential>>,
  Expect<Same<z.output<typeof AccountSchema>, Account>>,
  Expect<Same<z.output<typeof DimensionSchema>, Dimension>>,
  Expect<Same<z.output<typeof ProductSchema>, Product>>,
  Expect<Same<z.output<typeof CustomerSchema>, Customer>>,
  Expect<Same<z.output<typeof LicenseSchema>, License>>,
  Expect<Same<z.output<typeof OfferSchema>, Offer>>,
  Expect<Same<z.output<typeof AgreementSchema>, Agreement>>,
  Expect<Same<z.output<typeof NotificationTargetSchema>, NotificationTarget>>,
  Expect<Same<z.output<typeof WorldSchema>, World>>,
]

export class WorldError extends Error {}

/** Validates a world description; errors name every bad field (`products[1].type: ...`). */
export function parseWorld(input: unknown): World {
  const result = WorldSchema.safeParse(input)
  if (!result.success) throw new WorldError(formatIssues(result.error.issues))
  const world = result.data
  checkReferences(world)
  return world
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('\n')
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part)
  return out || '(root)'
}

function checkReferences(world: World): void {
  const problems: string[] = []
  const accounts = new Set<string>()
  const keys = new Set<string>()
  world.accounts.forEach((a, i) => {
    if (accounts.has(a.id)) problems.push(`accounts[${i}].id: duplicate account ${a.id}`)
    accounts.add(a.id)
    a.credentials.forEach((c, j) => {
      if (keys.has(c.accessKeyId)) problems.push(`accounts[${i}].credentials[${j}].accessKeyId: duplicate access key ${c.accessKeyId}`)
      keys.add(c.accessKeyId)
    })
  })
  const products = new Set<string>()
  world.products.forEach((p, i) => {
    if (products.has(p.code)) problems.push(`products[${i}].code: duplicate product ${p.code}`)
    products.add(p.code)
    if (!accounts.has(p.seller)) problems.push(`products[${i}].seller: unknown account ${p.seller}`)
    if (new Set(p.dimensions.map((d) => d.name)).size !== p.dimensions.length)
      problems.push(`products[${i}].dimensions: duplicate dimension`)
    if (new Set(p.contractDimensions.map((d) => d.name)).size !== p.contractDimensions.length)
      problems.push(`products[${i}].contractDimensions: duplicate dimension`)
  })
  const productsByCode = new Map(world.products.map((p) => [p.code, p]))
  const customers = new Set<string>()
  world.customers.forEach((c, i) => {
    if (customers.has(c.identifier)) problems.push(`customers[${i}].identifier: duplicate customer ${c.identifier}`)
    customers.add(c.identifier)
  })
  const grants = new Set<string>()
  world.licenses.forEach((l, i) => {
    if (!customers.has(l.customer)) problems.push(`licenses[${i}].customer: unknown customer ${l.customer}`)
    if (!products.has(l.product)) problems.push(`licenses[${i}].product: unknown product ${l.product}`)
    // Equal: granted and ended at the same instant (a subscription cancelled at once), covering nothing.
    if (l.end != null && l.end < l.start) problems.push(`licenses[${i}].end: must not be before start`)
    const grant = `${l.arn} ${l.product}`
    if (grants.has(grant)) problems.push(`licenses[${i}]: license ${l.arn} is listed twice for product ${l.product}`)
    grants.add(grant)
  })
  const offers = new Map<string, Offer>()
  world.offers.forEach((o, i) => {
    if (offers.has(o.id)) problems.push(`offers[${i}].id: duplicate offer ${o.id}`)
    offers.set(o.id, o)
    const product = productsByCode.get(o.product)
    if (!product) problems.push(`offers[${i}].product: unknown product ${o.product}`)
    if (o.visibility === 'private' && o.buyers.length === 0)
      problems.push(`offers[${i}].buyers: a private offer names the accounts it is extended to`)
    if (o.visibility === 'public' && o.buyers.length > 0) problems.push(`offers[${i}].buyers: only a private offer has buyers`)
    if (product) problems.push(...entitlementProblems(`offers[${i}].entitlements`, o.entitlements, product))
  })
  const agreementIds = new Set<string>()
  const customersById = new Map(world.customers.map((c) => [c.identifier, c]))
  world.agreements.forEach((a, i) => {
    const at = `agreements[${i}]`
    if (agreementIds.has(a.id)) problems.push(`${at}.id: duplicate agreement ${a.id}`)
    agreementIds.add(a.id)
    const product = productsByCode.get(a.product)
    if (!product) problems.push(`${at}.product: unknown product ${a.product}`)
    if (a.offer !== undefined && offers.get(a.offer)?.product !== a.product)
      problems.push(`${at}.offer: no offer ${a.offer} for product ${a.product}`)
    const customer = customersById.get(a.customer)
    if (!customer) problems.push(`${at}.customer: unknown customer ${a.customer}`)
    else if (customer.accountId !== a.accountId)
      problems.push(`${at}.accountId: customer ${a.customer} is account ${customer.accountId}, not ${a.accountId}`)
    if (!grants.has(`${a.licenseArn} ${a.product}`)) problems.push(`${at}.licenseArn: no license ${a.licenseArn} grants ${a.product}`)
    a.versions.forEach((v, j) => {
      if (v.version !== j + 1) problems.push(`${at}.versions[${j}].version: must be ${j + 1} (versions count from 1, oldest first)`)
      if (v.end !== null && v.end < v.start) problems.push(`${at}.versions[${j}].end: must not be before start`)
      if ((v.status === 'unsubscribe-pending') !== (v.endingAs !== undefined)) {
        problems.push(`${at}.versions[${j}].endingAs: set exactly when the status is unsubscribe-pending`)
      }
      if (product) problems.push(...entitlementProblems(`${at}.versions[${j}].entitlements`, v.entitlements, product))
    })
  })
  const targets = new Set<string>()
  world.notifications.forEach((t, i) => {
    if (targets.has(t.id)) problems.push(`notifications[${i}].id: duplicate notification target ${t.id}`)
    targets.add(t.id)
    if (t.type === 'sns-http' || t.type === 'sns-sqs') {
      const product = productsByCode.get(t.product)
      if (!product) problems.push(`notifications[${i}].product: unknown product ${t.product}`)
      else if (product.type !== 'saas')
        problems.push(
          `notifications[${i}].product: ${t.product} is a ${product.type} product; AWS Marketplace's SNS topics are for SaaS products`,
        )
      else if (t.topic === 'entitlement' && product.pricing === 'usage')
        problems.push(`notifications[${i}].topic: ${t.product} is sold by usage; the entitlement topic is for contracts`)
    } else {
      t.products?.forEach((code, j) => {
        if (!products.has(code)) problems.push(`notifications[${i}].products[${j}]: unknown product ${code}`)
      })
    }
  })
  if (problems.length > 0) throw new WorldError(problems.join('\n'))
}

/** Contract terms must name the product's contract dimensions, each with a value of its type. */
function entitlementProblems(at: string, entitlements: Record<string, EntitlementValue>, product: Product): string[] {
  const problems: string[] = []
  for (const [name, value] of Object.entries(entitlements)) {
    const dimension = product.contractDimensions.find((d) => d.name === name)
    if (!dimension) {
      problems.push(`${at}.${name}: ${product.code} has no contract dimension ${name}`)
      continue
    }
    const problem = valueTypeProblem(dimension.type, value)
    if (problem) problems.push(`${at}.${name}: ${problem}`)
  }
  return problems
}
