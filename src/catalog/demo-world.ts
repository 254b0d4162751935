import type { WorldInput } from './world.js'

export const DEMO_LICENSE_ARN = 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001'

const USAGE_PRODUCTS = ['demo-saas', 'demo-ami', 'demo-container'] as const
const SINCE = '2020-01-01T00:00:00Z'
const CONTRACT_SINCE = '2026-01-01T00:00:00Z'

/** The world meterd starts with when no --config is given (documented in the README). */
export const DEMO_WORLD: WorldInput = {
  accounts: [
    {
      id: '111111111111',
      name: 'demo seller',
      credentials: [{ accessKeyId: 'AKIAMETERDSELLER0001', secretAccessKey: 'meterd-demo-seller-secret', region: 'us-east-1' }],
    },
    {
      id: '222222222222',
      name: 'demo buyer',
      credentials: [
        {
          accessKeyId: 'AKIAMETERDBUYER00001',
          secretAccessKey: 'meterd-demo-buyer-secret',
          region: 'us-east-1',
          resourceId: 'i-0demo00000000001',
          platform: 'ecs',
        },
      ],
    },
  ],
  products: [
    { code: 'demo-saas', type: 'saas', seller: '111111111111', dimensions: ['users', 'api_calls'] },
    { code: 'demo-ami', type: 'ami', seller: '111111111111', dimensions: ['hosts'] },
    { code: 'demo-container', type: 'container', seller: '111111111111', dimensions: ['vcpu_hours'] },
    {
      code: 'demo-contract',
      type: 'saas',
      seller: '111111111111',
      pricing: 'contract',
      contractDimensions: [
        { name: 'admin_seats', type: 'integer' },
        { name: 'tier', type: 'string' },
      ],
    },
  ],
  customers: [{ identifier: 'demo-customer-1', accountId: '222222222222' }],
  licenses: [
    ...USAGE_PRODUCTS.map((product) => ({
      arn: DEMO_LICENSE_ARN,
      customer: 'demo-customer-1',
      product,
      start: SINCE,
      status: 'active' as const,
    })),
    { arn: DEMO_LICENSE_ARN, customer: 'demo-customer-1', product: 'demo-contract', start: CONTRACT_SINCE, status: 'active' as const },
  ],
  offers: [
    ...USAGE_PRODUCTS.map((product) => ({ id: `offer-${product}`, product })),
    { id: 'offer-demo-saas-trial', product: 'demo-saas', freeTrialDays: 30 },
    {
      id: 'offer-demo-contract',
      product: 'demo-contract',
      durationMonths: 12,
      autoRenew: true,
      entitlements: { admin_seats: 10, tier: 'standard' },
    },
  ],
  agreements: [
    ...USAGE_PRODUCTS.map((product) => ({
      id: `agmt-${product}-1`,
      product,
      offer: `offer-${product}`,
      accountId: '222222222222',
      customer: 'demo-customer-1',
      licenseArn: DEMO_LICENSE_ARN,
      acceptedAt: SINCE,
      versions: [{ version: 1, intent: 'new' as const, status: 'active' as const, at: SINCE, start: SINCE }],
    })),
    {
      id: 'agmt-demo-contract-1',
      product: 'demo-contract',
      offer: 'offer-demo-contract',
      accountId: '222222222222',
      customer: 'demo-customer-1',
      licenseArn: DEMO_LICENSE_ARN,
      acceptedAt: CONTRACT_SINCE,
      // A ten-year contract: the demo's ExpirationDate stays in the future.
      versions: [
        {
          version: 1,
          intent: 'new' as const,
          status: 'active' as const,
          at: CONTRACT_SINCE,
          start: CONTRACT_SINCE,
          end: '2036-01-01T00:00:00Z',
          entitlements: { admin_seats: 25, tier: 'gold' },
        },
      ],
    },
  ],
}
