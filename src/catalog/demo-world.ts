import type { WorldInput } from './world.js'

export const DEMO_LICENSE_ARN = 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001'

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
  ],
  customers: [{ identifier: 'demo-customer-1', accountId: '222222222222' }],
  licenses: ['demo-saas', 'demo-ami', 'demo-container'].map((product) => ({
    arn: DEMO_LICENSE_ARN,
    customer: 'demo-customer-1',
    product,
    start: '2020-01-01T00:00:00Z',
    status: 'active' as const,
  })),
}
