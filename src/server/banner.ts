import type { World } from '../domain/world.js'
import type { MeterdConfig } from '../config/config.js'
import { describeStore } from '../ledger/store.js'

/** What `meterd serve` prints on start: where it listens and calls that work against the world. */
export function banner(config: MeterdConfig, world: World, url: string, adminToken: string, adminUrl = url): string {
  const seller = world.accounts.find((a) => world.products.some((p) => p.seller === a.id && p.type === 'saas'))
  const sellerKey = seller?.credentials[0]
  const saas = world.products.find((p) => p.type === 'saas' && p.seller === seller?.id)
  const customer = world.licenses.find((l) => l.product === saas?.code)?.customer ?? 'CUSTOMER'
  const lines = [
    `meterd listening on ${url}  (AWS Marketplace Metering, signing name aws-marketplace)`,
    `  ledger: ${describeStore(config.store)}   world: ${config.worldSource}   auth: ${config.auth}${config.workers > 1 ? `   workers: ${config.workers}` : ''}`,
    `  admin API: ${adminUrl}/admin/  (Authorization: Bearer ${adminToken})`,
    `  console: ${adminUrl}/console/  (sign in with the admin token)`,
    `  RegisterUsage public keys: ${url}/keys/jwks.json, ${url}/keys/<version>.pem`,
  ]
  if (!sellerKey || !saas) return lines.join('\n')
  const env = `AWS_ACCESS_KEY_ID=${sellerKey.accessKeyId} AWS_SECRET_ACCESS_KEY=${sellerKey.secretAccessKey} AWS_DEFAULT_REGION=${sellerKey.region}`
  const dimension = saas.dimensions[0]?.name
  lines.push(
    '',
    'AWS CLI:',
    `  ${env} \\`,
    `  aws meteringmarketplace batch-meter-usage --endpoint-url ${url} --product-code ${saas.code} \\`,
    `    --usage-records Timestamp=$(date +%s),CustomerIdentifier=${customer},Dimension=${dimension},Quantity=1`,
    '',
    'boto3:',
    `  import boto3, datetime`,
    `  c = boto3.client('meteringmarketplace', endpoint_url='${url}', region_name='${sellerKey.region}',`,
    `                   aws_access_key_id='${sellerKey.accessKeyId}', aws_secret_access_key='${sellerKey.secretAccessKey}')`,
    `  c.batch_meter_usage(ProductCode='${saas.code}', UsageRecords=[{'Timestamp': datetime.datetime.now(datetime.timezone.utc),`,
    `                      'CustomerIdentifier': '${customer}', 'Dimension': '${dimension}', 'Quantity': 1}])`,
    '',
    'JavaScript (@aws-sdk/client-marketplace-metering):',
    `  const c = new MarketplaceMeteringClient({ endpoint: '${url}', region: '${sellerKey.region}',`,
    `    credentials: { accessKeyId: '${sellerKey.accessKeyId}', secretAccessKey: '${sellerKey.secretAccessKey}' } })`,
    `  await c.send(new BatchMeterUsageCommand({ ProductCode: '${saas.code}', UsageRecords: [{ Timestamp: new Date(),`,
    `    CustomerIdentifier: '${customer}', Dimension: '${dimension}', Quantity: 1 }] }))`,
  )
  return lines.join('\n')
}
