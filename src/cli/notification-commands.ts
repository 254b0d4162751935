import { type Command, Option } from 'commander'
import { CliError, type ConnectionFlags, connect, print, withConnection } from './connection.js'

const TYPES = ['sns-http', 'sns-sqs', 'eventbridge', 'webhook'] as const
const collect = (value: string, previous: string[] = []) => [...previous, value]

interface AddFlags extends ConnectionFlags {
  type: (typeof TYPES)[number]
  product?: string
  products?: string
  topic?: string
  url?: string
  endpointUrl?: string
  queueUrl?: string
  endpoint?: string
  region?: string
  eventBus?: string
  source?: string
  detailType?: string[]
  header?: string[]
  signatureVersion?: string
  raw?: boolean
  accessKeyId?: string
  secretAccessKey?: string
}

/** `meterd notifications …`, `meterd events trigger`, `meterd deliveries …`: where notifications go and how they went. */
export function registerNotificationCommands(program: Command, events: Command): void {
  const notifications = program
    .command('notifications')
    .description("where AWS Marketplace's notifications go: SNS subscriptions (HTTP endpoints, SQS queues) and EventBridge targets")

  withConnection(notifications.command('list').description('targets with the state of their subscription')).action(
    async (flags: ConnectionFlags) => print(await connect(flags).listNotifications()),
  )

  withConnection(
    notifications
      .command('add')
      .description('add a target (an HTTP endpoint first gets a SubscriptionConfirmation to confirm)')
      .argument('<id>', 'a name for it: letters, digits, - and _')
      .addOption(new Option('--type <type>', 'what it is').choices(TYPES).makeOptionMandatory())
      .option('--product <code>', 'sns-*: the product whose topic it subscribes to')
      .addOption(new Option('--topic <topic>', 'sns-*: the subscription or the entitlement topic').choices(['subscription', 'entitlement']))
      .option('--endpoint-url <url>', "sns-http: the seller's endpoint; webhook: where events are POSTed")
      .option('--queue-url <url>', 'sns-sqs: the queue')
      .option('--endpoint <url>', 'sns-sqs, eventbridge: the AWS API endpoint (LocalStack, moto); default AWS')
      .option('--region <region>', 'sns-sqs, eventbridge: the API region (default us-east-1)')
      .option('--event-bus <name>', 'eventbridge: the bus name or ARN (default: default)')
      .option('--source <source>', "eventbridge, webhook: the events' source (default aws.agreement-marketplace)")
      .option('--products <codes>', 'eventbridge, webhook: only these products, comma-separated (default: every product)')
      .option('--detail-type <type>', 'eventbridge, webhook: only this detail type (repeatable)', collect)
      .option('--header <header>', "webhook: a header sent with every event, 'Name: value' (repeatable)", collect)
      .addOption(new Option('--signature-version <v>', 'sns-*: 1 (SHA1withRSA, default) or 2 (SHA256withRSA)').choices(['1', '2']))
      .option('--raw', 'sns-*: raw message delivery (the Message alone, no envelope)')
      .option('--access-key-id <id>', 'sns-sqs, eventbridge: credentials for the API (default: the AWS SDK chain)')
      .option('--secret-access-key <secret>', 'with --access-key-id'),
  ).action(async (id: string, flags: AddFlags) => {
    const target: Record<string, unknown> = { id, type: flags.type }
    const set = (key: string, value: unknown) => {
      if (value !== undefined) target[key] = value
    }
    if (flags.type === 'sns-http' || flags.type === 'sns-sqs') {
      set('product', flags.product)
      set('topic', flags.topic)
      set('signatureVersion', flags.signatureVersion)
      if (flags.raw) target.rawMessageDelivery = true
    } else {
      set('source', flags.source)
      set(
        'products',
        flags.products?.split(',').map((p) => p.trim()),
      )
      set('detailTypes', flags.detailType)
    }
    if (flags.type === 'sns-http' || flags.type === 'webhook') set('url', flags.endpointUrl)
    if (flags.type === 'sns-sqs') set('queueUrl', flags.queueUrl)
    if (flags.type === 'sns-sqs' || flags.type === 'eventbridge') {
      set('endpoint', flags.endpoint)
      set('region', flags.region)
      if (flags.type === 'eventbridge') set('eventBusName', flags.eventBus)
      if (flags.accessKeyId || flags.secretAccessKey) {
        if (!flags.accessKeyId || !flags.secretAccessKey) throw new CliError('--access-key-id and --secret-access-key go together')
        target.credentials = { accessKeyId: flags.accessKeyId, secretAccessKey: flags.secretAccessKey }
      }
    }
    if (flags.type === 'webhook' && flags.header) target.headers = Object.fromEntries(flags.header.map(headerPair))
    print(await connect(flags).addNotification(target))
  })

  withConnection(notifications.command('remove').description('remove a target').argument('<id>')).action(
    async (id: string, flags: ConnectionFlags) => print(await connect(flags).remove('notifications', id)),
  )
  withConnection(
    notifications
      .command('confirm')
      .description("confirm an HTTP endpoint's subscription in its place (as if it had visited the SubscribeURL)")
      .argument('<id>'),
  ).action(async (id: string, flags: ConnectionFlags) => print(await connect(flags).confirmNotification(id)))
  withConnection(
    notifications
      .command('certificate')
      .description('print the certificate SNS messages are signed with (PEM), to serve at the SigningCertURL'),
  ).action(async (flags: ConnectionFlags) => {
    process.stdout.write((await connect(flags).notificationCertificate()).pem)
  })

  withConnection(
    events
      .command('trigger')
      .description(
        'send a well-formed test event to the targets, changing nothing in the world (like `stripe trigger`): subscribe-success, subscribe-fail, unsubscribe-pending, unsubscribe-success, entitlement-updated, agreement-created, agreement-amended, agreement-ended, license-updated, license-deprovisioned, or an EventBridge detail type',
      )
      .argument('<type>')
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--account <id>', "buyer's 12-digit AWS account id (its agreement's ids are used when it has one)")
      .option('--free-trial', 'isFreeTrialTermPresent "true"'),
  ).action(async (type: string, flags: ConnectionFlags & { product: string; account: string; freeTrial?: boolean }) =>
    print(
      await connect(flags).triggerEvent({
        type,
        productCode: flags.product,
        accountId: flags.account,
        ...(flags.freeTrial ? { freeTrial: true } : {}),
      }),
    ),
  )

  const deliveries = program.command('deliveries').description('notifications on their way to the targets, with every attempt')
  withConnection(
    deliveries
      .command('list')
      .description('deliveries, oldest first')
      .option('--target <id>', 'one target')
      .addOption(new Option('--status <status>', 'pending, delivered or failed').choices(['pending', 'delivered', 'failed']))
      .option('--limit <n>', 'page size (1-1000, default 100)')
      .option('--cursor <cursor>', 'continue after a previous page'),
  ).action(async (flags: ConnectionFlags & { target?: string; status?: string; limit?: string; cursor?: string }) =>
    print(await connect(flags).listDeliveries({ target: flags.target, status: flags.status, limit: flags.limit, cursor: flags.cursor })),
  )
  withConnection(deliveries.command('show').description('one delivery: what was sent and every attempt').argument('<delivery-id>')).action(
    async (id: string, flags: ConnectionFlags) => print(await connect(flags).delivery(id)),
  )
  withConnection(
    deliveries.command('retry').description('send a failed delivery again (a pending one at once)').argument('<delivery-id>'),
  ).action(async (id: string, flags: ConnectionFlags) => print(await connect(flags).retryDelivery(id)))
}

function headerPair(text: string): [string, string] {
  const colon = text.indexOf(':')
  if (colon <= 0) throw new CliError(`--header must be 'Name: value', got '${text}'`)
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()]
}
