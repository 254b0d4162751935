import type { WorldInput } from '../../src/catalog/world.js'

/**
 * The conformance world: every client gets its own seller, buyer and products, so the clients
 * can run side by side and a fault rule (scoped to one client's accounts) hits that client only.
 */
export interface Cred {
  accessKeyId: string
  secretAccessKey: string
}

export interface Slice {
  tag: string
  sellerAccount: string
  buyerAccount: string
  strangerAccount: string
  seller: Cred
  /** An ECS task of the buyer (entitled to every product of the slice). */
  buyer: Cred
  /** An EC2 instance of the buyer: RegisterUsage does not support that platform. */
  ec2: Cred
  /** A buyer account with no license at all. */
  stranger: Cred
  saas: string
  ami: string
  container: string
  /** A contract product (Entitlement Service): the buyer holds seats and a tier until CONTRACT_END. */
  contract: string
  customer: string
  licenseArn: string
}

/** When every slice's contract ends: GetEntitlements' ExpirationDate. */
export const CONTRACT_END = '2030-01-01T00:00:00.000Z'
/** The slice buyer's contract terms, in the product's order of dimensions. */
export const CONTRACT_TERMS = [
  { Dimension: 'seats', Value: { IntegerValue: 7 } },
  { Dimension: 'tier', Value: { StringValue: 'gold' } },
] as const

/** Dimensions per product: every case that records usage gets a slot of its own. */
const DIMENSIONS = 40
export const saasDimension = (n: number) => `u${n}`
export const amiDimension = (n: number) => `h${n}`

const key = (tag: string, role: string) => `AKIACONF${tag}${role}`.padEnd(20, '0')

export function slice(tag: string, index: number): Slice {
  const account = (n: number) => `3${String(index).padStart(2, '0')}00000000${n}`
  const lower = tag.toLowerCase()
  return {
    tag,
    sellerAccount: account(1),
    buyerAccount: account(2),
    strangerAccount: account(3),
    seller: { accessKeyId: key(tag, 'SELLER'), secretAccessKey: `conf-${lower}-seller` },
    buyer: { accessKeyId: key(tag, 'BUYER'), secretAccessKey: `conf-${lower}-buyer` },
    ec2: { accessKeyId: key(tag, 'EC2'), secretAccessKey: `conf-${lower}-ec2` },
    stranger: { accessKeyId: key(tag, 'STRANGER'), secretAccessKey: `conf-${lower}-stranger` },
    saas: `conf-${lower}-saas`,
    ami: `conf-${lower}-ami`,
    container: `conf-${lower}-container`,
    contract: `conf-${lower}-contract`,
    customer: `conf-${lower}-customer`,
    licenseArn: `arn:aws:license-manager::${account(2)}:license/l-conf${lower}0000000001`,
  }
}

export function conformanceWorld(slices: readonly Slice[]): WorldInput {
  const range = (f: (n: number) => string) => Array.from({ length: DIMENSIONS }, (_, i) => f(i + 1))
  return {
    accounts: slices.flatMap((s) => [
      { id: s.sellerAccount, name: `${s.tag} seller`, credentials: [{ ...s.seller, region: 'us-east-1' }] },
      {
        id: s.buyerAccount,
        name: `${s.tag} buyer`,
        credentials: [
          { ...s.buyer, region: 'us-east-1', resourceId: `task-${s.tag.toLowerCase()}`, platform: 'ecs' as const },
          { ...s.ec2, region: 'us-east-1', resourceId: `i-${s.tag.toLowerCase()}`, platform: 'ec2' as const },
        ],
      },
      {
        id: s.strangerAccount,
        name: `${s.tag} stranger`,
        credentials: [{ ...s.stranger, region: 'us-east-1', resourceId: `pod-${s.tag.toLowerCase()}`, platform: 'eks' as const }],
      },
    ]),
    products: slices.flatMap((s) => [
      { code: s.saas, type: 'saas' as const, seller: s.sellerAccount, dimensions: range(saasDimension), integration: 'legacy' as const },
      { code: s.ami, type: 'ami' as const, seller: s.sellerAccount, dimensions: range(amiDimension) },
      { code: s.container, type: 'container' as const, seller: s.sellerAccount, dimensions: ['vcpu_hours'] },
      {
        code: s.contract,
        type: 'saas' as const,
        seller: s.sellerAccount,
        pricing: 'contract' as const,
        integration: 'legacy' as const,
        contractDimensions: [
          { name: 'seats', type: 'integer' as const },
          { name: 'tier', type: 'string' as const },
        ],
      },
    ]),
    customers: slices.map((s) => ({ identifier: s.customer, accountId: s.buyerAccount })),
    licenses: slices.flatMap((s) =>
      [s.saas, s.ami, s.container, s.contract].map((product) => ({
        arn: s.licenseArn,
        customer: s.customer,
        product,
        start: '2020-01-01T00:00:00Z',
        ...(product === s.contract ? { end: CONTRACT_END } : {}),
        status: 'active' as const,
      })),
    ),
    agreements: slices.map((s) => ({
      id: `agmt-conf-${s.tag.toLowerCase()}`,
      product: s.contract,
      accountId: s.buyerAccount,
      customer: s.customer,
      licenseArn: s.licenseArn,
      acceptedAt: '2020-01-01T00:00:00Z',
      versions: [
        {
          version: 1,
          intent: 'new' as const,
          status: 'active' as const,
          at: '2020-01-01T00:00:00Z',
          start: '2020-01-01T00:00:00Z',
          end: CONTRACT_END,
          entitlements: Object.fromEntries(CONTRACT_TERMS.map((t) => [t.Dimension, Object.values(t.Value)[0]])),
        },
      ],
    })),
  }
}
