import { type Command, Option } from 'commander'
import type { AdminClient } from '../admin/admin-client.js'
import { CliError, type ConnectionFlags, connect, print, withConnection } from './connection.js'

/** Registers the commands; returns the `events` group, which the notification commands add to. */
export function registerAdminCommands(program: Command): Command {
  withConnection(
    program
      .command('subscribe')
      .description(
        'a buyer accepts an offer: an agreement with its license and customer (created or reused), a registration token posted to the fulfillment URL',
      )
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--account <id>', "buyer's 12-digit AWS account id")
      .option('--offer <id>', "the offer accepted (default: the product's first public offer)")
      .option('--free-trial', "with a free trial (the offer's days, else 30; x-amzn-marketplace-offer-type=free-trial)")
      .option('--no-trial-conversion', 'the subscription ends with its free trial instead of converting to the paid term')
      .option('--contract <terms>', "contract terms over the offer's, e.g. admin_seats=10,tier=gold")
      .option('--months <n>', "contract term in months, over the offer's")
      .option('--fail-payment', 'the payment fails: subscribe-fail, and the agreement waits in payment-failed until a later subscribe')
      .option('--no-deliver', 'do not post the token to the fulfillment URL'),
  ).action(
    async (
      flags: ConnectionFlags & {
        product: string
        account: string
        offer?: string
        freeTrial?: boolean
        trialConversion: boolean
        contract?: string
        months?: string
        failPayment?: boolean
        deliver: boolean
      },
    ) => {
      const client = connect(flags)
      const contract = flags.contract === undefined ? undefined : await contractTerms(client, flags.product, flags.contract, '--contract')
      print(
        await client.subscribe({
          productCode: flags.product,
          accountId: flags.account,
          ...(flags.offer ? { offerId: flags.offer } : {}),
          freeTrial: flags.freeTrial ?? false,
          ...(flags.trialConversion ? {} : { trialConverts: false }),
          ...(contract ? { contract } : {}),
          ...(flags.months !== undefined ? { months: positiveInteger(flags.months, '--months') } : {}),
          ...(flags.failPayment ? { paymentFails: true } : {}),
          deliver: flags.deliver,
        }),
      )
    },
  )

  withConnection(
    program
      .command('unsubscribe')
      .description(
        "a buyer unsubscribes: the account's subscription to the product ends now (unsubscribe-pending for the final-metering hour)",
      )
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--account <id>', "buyer's 12-digit AWS account id"),
  ).action(async (flags: ConnectionFlags & { product: string; account: string }) => {
    print(await connect(flags).unsubscribe({ productCode: flags.product, accountId: flags.account }))
  })

  const agreements = program.command('agreements').description("agreements (a buyer's acceptance of an offer) and their lifecycle")
  withConnection(
    agreements
      .command('list')
      .description('agreements as they stand')
      .option('--product <code>', 'product code')
      .option('--account <id>', 'buyer account')
      .option('--customer <identifier>', 'CustomerIdentifier')
      .option('--status <status>', 'active, unsubscribe-pending, cancelled, expired, renewed, replaced, payment-failed'),
  ).action(async (flags: ConnectionFlags & { product?: string; account?: string; customer?: string; status?: string }) =>
    print(
      await connect(flags).listAgreements({
        productCode: flags.product,
        accountId: flags.account,
        customerIdentifier: flags.customer,
        status: flags.status,
      }),
    ),
  )
  withConnection(agreements.command('show').description('one agreement with every version').argument('<agreement-id>')).action(
    async (id: string, flags: ConnectionFlags) => print(await connect(flags).agreement(id)),
  )
  withConnection(
    agreements
      .command('amend')
      .description('change the contract terms (upgrade or downgrade): a new version of the agreement')
      .argument('<agreement-id>')
      .requiredOption('--set <terms>', 'the terms that change, e.g. admin_seats=20'),
  ).action(async (id: string, flags: ConnectionFlags & { set: string }) => {
    const client = connect(flags)
    const agreement = await client.agreement(id)
    print(await client.amendAgreement(id, await contractTerms(client, agreement.productCode, flags.set, '--set')))
  })
  const lifecycle: [string, string, (id: string, flags: ConnectionFlags) => Promise<unknown>][] = [
    ['renew', 'renew the contract now: a new agreement (intent renew) takes over the license', (id, f) => connect(f).renewAgreement(id)],
    [
      'cancel',
      'the buyer cancels now: unsubscribe-pending for the final-metering hour, then cancelled',
      (id, f) => connect(f).cancelAgreement(id),
    ],
    ['expire', 'the contract expires now: unsubscribe-pending, then expired', (id, f) => connect(f).expireAgreement(id)],
  ]
  for (const [name, description, run] of lifecycle) {
    withConnection(agreements.command(name).description(description).argument('<agreement-id>')).action(
      async (id: string, flags: ConnectionFlags) => print(await run(id, flags)),
    )
  }

  const events = program.command('events').description('lifecycle events (subscribe, unsubscribe, agreements, licenses, entitlements)')
  withConnection(
    events
      .command('list')
      .description('events in the order they happened')
      .option('--product <code>', 'product code')
      .option('--customer <identifier>', 'CustomerIdentifier')
      .option('--account <id>', 'buyer account')
      .option('--agreement <id>', 'agreement id')
      .option('--type <type>', 'e.g. subscribe-success, unsubscribe-pending, entitlement-updated, agreement-created')
      .option('--limit <n>', 'page size (1-1000, default 100)')
      .option('--cursor <cursor>', 'continue after a previous page'),
  ).action(
    async (
      flags: ConnectionFlags & {
        product?: string
        customer?: string
        account?: string
        agreement?: string
        type?: string
        limit?: string
        cursor?: string
      },
    ) =>
      print(
        await connect(flags).listEvents({
          productCode: flags.product,
          customerIdentifier: flags.customer,
          accountId: flags.account,
          agreementId: flags.agreement,
          type: flags.type,
          limit: flags.limit,
          cursor: flags.cursor,
        }),
      ),
  )

  const keys = program.command('keys').description("RegisterUsage's signing keys")
  withConnection(
    keys
      .command('list')
      .description('list key versions (add --pem for the public keys)')
      .addOption(new Option('--pem', 'print each public key as PEM')),
  ).action(async (flags: ConnectionFlags & { pem?: boolean }) => {
    const { keys: list } = await connect(flags).listKeys()
    for (const k of list) {
      console.log(`version ${k.version}  created ${k.createdAt}  ${k.expiresAt ? `expired ${k.expiresAt}` : 'current'}`)
      if (flags.pem) console.log(k.publicKeyPem)
    }
  })
  withConnection(keys.command('rotate').description('add the next key version; the current one expires now')).action(
    async (flags: ConnectionFlags) => {
      const { keys: list } = await connect(flags).rotateKeys()
      const latest = list.at(-1)!
      console.log(`version ${latest.version} is now current\n${latest.publicKeyPem}`)
    },
  )
  withConnection(
    keys.command('public').description('print the public key (PEM) of one version').argument('<version>', 'PublicKeyVersion'),
  ).action(async (version: string, flags: ConnectionFlags) => {
    const { keys: list } = await connect(flags).listKeys()
    const key = list.find((k) => String(k.version) === version)
    if (!key) throw new CliError(`no key version ${version}; versions: ${list.map((k) => k.version).join(', ')}`)
    process.stdout.write(key.publicKeyPem)
  })
  return events
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag}: expected a whole number of at least 1, got '${text}'`)
  return n
}

/**
 * `name=value,name=value` as contract terms, each value typed by the product's contract
 * dimension (integer, double, boolean, string), so that `tier=10` stays a string.
 */
async function contractTerms(
  client: AdminClient,
  productCode: string,
  text: string,
  flag: string,
): Promise<Record<string, number | boolean | string>> {
  const product = (await client.get('products', productCode)) as { contractDimensions?: { name: string; type: string }[] }
  const dimensions = new Map((product.contractDimensions ?? []).map((d) => [d.name, d.type]))
  const terms: Record<string, number | boolean | string> = {}
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new CliError(`${flag}: expected name=value pairs separated by commas, got '${pair}'`)
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const type = dimensions.get(name)
    if (!type) {
      throw new CliError(
        `${flag}: ${productCode} has no contract dimension ${name}${dimensions.size ? ` (it has ${[...dimensions.keys()].join(', ')})` : ''}`,
      )
    }
    if (type === 'integer' || type === 'double') {
      const n = Number(value)
      if (value === '' || !Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) {
        throw new CliError(`${flag}: ${name} is ${type === 'integer' ? 'an integer' : 'a number'}, got '${value}'`)
      }
      terms[name] = n
    } else if (type === 'boolean') {
      if (value !== 'true' && value !== 'false') throw new CliError(`${flag}: ${name} is true or false, got '${value}'`)
      terms[name] = value === 'true'
    } else {
      terms[name] = value
    }
  }
  return terms
}
