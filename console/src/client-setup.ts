import type { WorldDocument } from '../../src/admin/admin-client.js'

export interface ClientSetup {
  awsCli: string
  boto3: string
  javascript: string
  /** What the snippets meter: a SaaS product of a seller with a credential, and one of its customers. */
  example: { productCode: string; customer: string; dimension: string; accessKeyId: string } | undefined
}

/**
 * How to point each client at meterd, with the world's own names: the first seller with a
 * credential and a SaaS product, and a customer licensed to it (the same pick as `meterd serve`'s banner).
 */
export function clientSetup(endpoint: string, world: WorldDocument): ClientSetup {
  const product = world.products.find((p) => p.type === 'saas' && world.accounts.some((a) => a.id === p.seller && a.credentials.length > 0))
  const credential = world.accounts.find((a) => a.id === product?.seller)?.credentials[0]
  const customer = world.licenses.find((l) => l.product === product?.code)?.customer ?? world.customers[0]?.identifier ?? 'CUSTOMER'
  const key = credential ?? { accessKeyId: 'AKIA…', secretAccessKey: '…', region: 'us-east-1' }
  const productCode = product?.code ?? 'PRODUCT'
  const dimension = product?.dimensions[0]?.name ?? 'DIMENSION'
  const awsCli = [
    `export AWS_ENDPOINT_URL_MARKETPLACE_METERING=${endpoint}`,
    `export AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey} AWS_DEFAULT_REGION=${key.region}`,
    `aws meteringmarketplace batch-meter-usage --product-code ${productCode} \\`,
    `  --usage-records Timestamp=$(date +%s),CustomerIdentifier=${customer},Dimension=${dimension},Quantity=1`,
  ].join('\n')
  const boto3 = [
    'import boto3, datetime',
    `c = boto3.client('meteringmarketplace', endpoint_url='${endpoint}', region_name='${key.region}',`,
    `                 aws_access_key_id='${key.accessKeyId}', aws_secret_access_key='${key.secretAccessKey}')`,
    `c.batch_meter_usage(ProductCode='${productCode}', UsageRecords=[{`,
    `    'Timestamp': datetime.datetime.now(datetime.timezone.utc),`,
    `    'CustomerIdentifier': '${customer}', 'Dimension': '${dimension}', 'Quantity': 1}])`,
  ].join('\n')
  const javascript = [
    `import { MarketplaceMeteringClient, BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering'`,
    `const c = new MarketplaceMeteringClient({ endpoint: '${endpoint}', region: '${key.region}',`,
    `  credentials: { accessKeyId: '${key.accessKeyId}', secretAccessKey: '${key.secretAccessKey}' } })`,
    `await c.send(new BatchMeterUsageCommand({ ProductCode: '${productCode}', UsageRecords: [`,
    `  { Timestamp: new Date(), CustomerIdentifier: '${customer}', Dimension: '${dimension}', Quantity: 1 }] }))`,
  ].join('\n')
  return {
    awsCli,
    boto3,
    javascript,
    example: product && credential ? { productCode, customer, dimension, accessKeyId: credential.accessKeyId } : undefined,
  }
}
