import { z } from 'zod'
import type { Account, Credential, Customer, Dimension, License, Product, World } from '../domain/world.js'

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

export const ProductSchema = z.strictObject({
  code: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[-a-zA-Z0-9/=:_.@]+$/, 'must match ^[-a-zA-Z0-9/=:_.@]+$'),
  type: z.enum(['saas', 'ami', 'container']),
  seller: AccountId,
  dimensions: z.array(DimensionSchema).min(1),
  fulfillmentUrl: z.url().optional(),
  /** Legacy integrations still get CustomerIdentifier from ResolveCustomer. */
  integration: z.enum(['legacy', 'concurrent-agreements']).default('concurrent-agreements'),
})

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

export const WorldSchema = z.strictObject({
  accounts: z.array(AccountSchema).default([]),
  products: z.array(ProductSchema).default([]),
  customers: z.array(CustomerSchema).default([]),
  licenses: z.array(LicenseSchema).default([]),
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
  })
  const customers = new Set<string>()
  world.customers.forEach((c, i) => {
    if (customers.has(c.identifier)) problems.push(`customers[${i}].identifier: duplicate customer ${c.identifier}`)
    customers.add(c.identifier)
  })
  const grants = new Set<string>()
  world.licenses.forEach((l, i) => {
    if (!customers.has(l.customer)) problems.push(`licenses[${i}].customer: unknown customer ${l.customer}`)
    if (!products.has(l.product)) problems.push(`licenses[${i}].product: unknown product ${l.product}`)
    if (l.end != null && l.end <= l.start) problems.push(`licenses[${i}].end: must be after start`)
    const grant = `${l.arn} ${l.product}`
    if (grants.has(grant)) problems.push(`licenses[${i}]: license ${l.arn} is listed twice for product ${l.product}`)
    grants.add(grant)
  })
  if (problems.length > 0) throw new WorldError(problems.join('\n'))
}
