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
  customer: string
  licenseArn: string
}

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
    ]),
    customers: slices.map((s) => ({ identifier: s.customer, accountId: s.buyerAccount })),
    licenses: slices.flatMap((s) =>
      [s.saas, s.ami, s.container].map((product) => ({
        arn: s.licenseArn,
        customer: s.customer,
        product,
        start: '2020-01-01T00:00:00Z',
        status: 'active' as const,
      })),
    ),
  }
}
