import { type Command, Option } from 'commander'
import { CliError, type ConnectionFlags, connect, print, withConnection } from './connection.js'

export function registerAdminCommands(program: Command): void {
  withConnection(
    program
      .command('subscribe')
      .description(
        'a buyer subscribes: create (or reuse) the customer and license, mint a registration token, post it to the fulfillment URL',
      )
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--account <id>', "buyer's 12-digit AWS account id")
      .option('--free-trial', 'a free-trial offer (x-amzn-marketplace-offer-type=free-trial)')
      .option('--no-deliver', 'do not post the token to the fulfillment URL'),
  ).action(async (flags: ConnectionFlags & { product: string; account: string; freeTrial?: boolean; deliver: boolean }) => {
    print(
      await connect(flags).subscribe({
        productCode: flags.product,
        accountId: flags.account,
        freeTrial: flags.freeTrial ?? false,
        deliver: flags.deliver,
      }),
    )
  })

  withConnection(
    program
      .command('unsubscribe')
      .description("a buyer cancels: the account's license to the product ends now")
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--account <id>', "buyer's 12-digit AWS account id"),
  ).action(async (flags: ConnectionFlags & { product: string; account: string }) => {
    print(await connect(flags).unsubscribe({ productCode: flags.product, accountId: flags.account }))
  })

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
}
