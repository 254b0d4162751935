import type { WorldInput } from '../src/catalog/world.js'

/**
 * The benchmark's world. MeterUsage accepts one record per (resource, dimension, hour) and
 * BatchMeterUsage one per (customer, dimension, hour), so to measure *new* records rather than
 * replays the load needs many resources and customers. Both meterd and the load generator derive
 * the same keys from these sizes, so nothing large crosses the process boundary.
 */
export interface BenchWorldSize {
  /** Buyer access keys, each standing for its own EC2 instance (resourceId). */
  buyers: number
  /** SaaS customers, each licensed to demo-saas. */
  customers: number
}

export const SELLER_ACCOUNT = '111111111111'
export const BUYER_ACCOUNT = '222222222222'
export const SELLER = { accessKeyId: 'AKIAMETERDSELLER0001', secretAccessKey: 'meterd-demo-seller-secret' }
export const REGION = 'us-east-1'
export const SAAS_DIMENSIONS = ['users', 'api_calls'] as const

/** Buyer key 0 is the demo buyer; the others are generated. */
export function buyerCredential(i: number): { accessKeyId: string; secretAccessKey: string; resourceId: string } {
  if (i === 0) return { accessKeyId: 'AKIAMETERDBUYER00001', secretAccessKey: 'meterd-demo-buyer-secret', resourceId: 'i-0demo00000000001' }
  return {
    accessKeyId: `AKIABENCHBUYER${String(i).padStart(8, '0')}`,
    secretAccessKey: `bench-buyer-secret-${i}`,
    resourceId: `i-bench${String(i).padStart(10, '0')}`,
  }
}

export const customerIdentifier = (i: number) => `bench-customer-${i}`

export function benchWorld(size: BenchWorldSize): WorldInput {
  const customers = Array.from({ length: size.customers }, (_, i) => ({
    identifier: customerIdentifier(i),
    accountId: String(300_000_000_000 + i),
  }))
  return {
    accounts: [
      { id: SELLER_ACCOUNT, name: 'bench seller', credentials: [{ ...SELLER, region: REGION }] },
      {
        id: BUYER_ACCOUNT,
        name: 'bench buyer',
        credentials: Array.from({ length: size.buyers }, (_, i) => ({ ...buyerCredential(i), region: REGION, platform: 'ec2' as const })),
      },
    ],
    products: [
      { code: 'demo-saas', type: 'saas', seller: SELLER_ACCOUNT, dimensions: [...SAAS_DIMENSIONS] },
      { code: 'demo-ami', type: 'ami', seller: SELLER_ACCOUNT, dimensions: ['hosts'] },
    ],
    customers: [{ identifier: 'demo-customer-1', accountId: BUYER_ACCOUNT }, ...customers],
    licenses: [
      // The buyer account's entitlement to the AMI, checked by MeterUsage.
      {
        arn: 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001',
        customer: 'demo-customer-1',
        product: 'demo-ami',
        start: '2020-01-01T00:00:00Z',
      },
      ...customers.map((c, i) => ({
        arn: `arn:aws:license-manager::${c.accountId}:license/l-bench${String(i).padStart(12, '0')}`,
        customer: c.identifier,
        product: 'demo-saas',
        start: '2020-01-01T00:00:00Z',
      })),
    ],
  }
}
