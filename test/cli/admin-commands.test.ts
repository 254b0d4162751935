import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { MarketplaceMeteringClient, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import { runCli, serveCli } from '../helpers/cli.js'
import { SELLER } from '../helpers/meterd.js'
import { freshStore, type TestStore } from '../helpers/store.js'

describe('meterd subscribe / unsubscribe / keys (against a running server)', () => {
  let dir: string
  let child: ChildProcess
  let url: string
  let store: TestStore
  const cli = (...args: string[]) => runCli([...args, '--url', url, '--data', dir])

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-cli-admin-'))
    store = await freshStore(dir)
    ;({ child, url } = await serveCli([...store.args, '--data', dir]))
  })
  after(async () => {
    child.kill('SIGTERM')
    await once(child, 'exit')
    await store.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('subscribes an account and prints a registration token that ResolveCustomer resolves', async () => {
    const run = await cli('subscribe', '--product', 'demo-saas', '--account', '333333333333', '--free-trial')
    assert.equal(run.code, 0, run.stderr)
    const out = JSON.parse(run.stdout)
    assert.equal(out.offerType, 'free-trial')
    assert.equal(out.createdCustomer, true)
    const client = new MarketplaceMeteringClient({ endpoint: url, region: 'us-east-1', credentials: SELLER })
    try {
      const resolved = await client.send(new ResolveCustomerCommand({ RegistrationToken: out.registrationToken }))
      assert.deepEqual(
        [resolved.CustomerAWSAccountId, resolved.ProductCode, resolved.LicenseArn],
        ['333333333333', 'demo-saas', out.licenseArn],
      )
    } finally {
      client.destroy()
    }
  })

  it('unsubscribes, and says so when there is nothing to end', async () => {
    const first = await cli('unsubscribe', '--product', 'demo-saas', '--account', '333333333333')
    assert.equal(first.code, 0, first.stderr)
    assert.equal(JSON.parse(first.stdout).endedLicenses.length, 1)
    const second = await cli('unsubscribe', '--product', 'demo-saas', '--account', '333333333333')
    assert.equal(second.code, 1)
    assert.equal(second.stderr.trim(), 'meterd: NotSubscribed: account 333333333333 has no active subscription to demo-saas')
  })

  it('buys a contract with typed terms, amends it, lists agreements and the events they caused', async () => {
    const bought = await cli(
      'subscribe',
      '--product',
      'demo-contract',
      '--account',
      '333333333334',
      '--contract',
      'admin_seats=10,tier=20',
      '--months',
      '12',
    )
    assert.equal(bought.code, 0, bought.stderr)
    const { agreementId, offerId, status } = JSON.parse(bought.stdout)
    assert.deepEqual([offerId, status], ['offer-demo-contract', 'active'])
    const shown = JSON.parse((await cli('agreements', 'show', agreementId)).stdout)
    // tier is a string dimension: "20" stays a string; admin_seats an integer.
    assert.deepEqual(shown.entitlements, { admin_seats: 10, tier: '20' })
    const amended = await cli('agreements', 'amend', agreementId, '--set', 'admin_seats=12')
    assert.equal(amended.code, 0, amended.stderr)
    assert.deepEqual(
      JSON.parse(amended.stdout).versions.map((v: { intent: string; entitlements: object }) => [v.intent, v.entitlements]),
      [
        ['new', { admin_seats: 10, tier: '20' }],
        ['amend', { admin_seats: 12, tier: '20' }],
      ],
    )
    const listed = JSON.parse((await cli('agreements', 'list', '--account', '333333333334')).stdout)
    assert.deepEqual(
      listed.agreements.map((a: { agreementId: string; status: string }) => [a.agreementId, a.status]),
      [[agreementId, 'active']],
    )
    const events = JSON.parse((await cli('events', 'list', '--account', '333333333334', '--type', 'entitlement-updated')).stdout)
    assert.deepEqual(
      events.events.map((e: { agreementId: string }) => e.agreementId),
      [agreementId, agreementId],
    )
    const cancelled = await cli('agreements', 'cancel', agreementId)
    assert.equal(JSON.parse(cancelled.stdout).status, 'unsubscribe-pending')
  })

  it('refuses bad contract terms before calling meterd, naming the flag', async () => {
    const cases: [string[], string][] = [
      [['--contract', 'admin_seats'], "meterd: --contract: expected name=value pairs separated by commas, got 'admin_seats'"],
      [['--contract', 'admin_seats=ten'], "meterd: --contract: admin_seats is an integer, got 'ten'"],
      [['--contract', 'seats=1'], 'meterd: --contract: demo-contract has no contract dimension seats (it has admin_seats, tier)'],
      [['--months', '0'], "meterd: --months: expected a whole number of at least 1, got '0'"],
    ]
    for (const [flags, message] of cases) {
      const run = await cli('subscribe', '--product', 'demo-contract', '--account', '333333333335', ...flags)
      assert.equal(run.code, 1, run.stdout)
      assert.equal(run.stderr.trim(), message)
    }
    const none = JSON.parse((await cli('agreements', 'list', '--account', '333333333335')).stdout)
    assert.deepEqual(none.agreements, [])
    const unknown = await cli('agreements', 'amend', 'agmt-nope', '--set', 'admin_seats=1')
    assert.equal(unknown.stderr.trim(), 'meterd: NotFound: no agreement agmt-nope')
  })

  it('lists, rotates and prints signing keys', async () => {
    const list = await cli('keys', 'list')
    assert.match(list.stdout, /^version 1 {2}created \S+ {2}current$/m)
    const rotate = await cli('keys', 'rotate')
    assert.match(rotate.stdout, /^version 2 is now current\n-----BEGIN PUBLIC KEY-----/)
    const again = await cli('keys', 'list')
    assert.match(again.stdout, /^version 1 {2}created \S+ {2}expired \S+$/m)
    const pem = await cli('keys', 'public', '2')
    assert.equal(pem.stdout, await (await fetch(`${url}/keys/2.pem`)).text())
    const missing = await cli('keys', 'public', '9')
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr.trim(), 'meterd: no key version 9; versions: 1, 2')
  })

  it('explains a wrong token, an unreachable server and bad input', async () => {
    const wrong = await runCli(['keys', 'list', '--url', url, '--admin-token', 'nope'])
    assert.equal(wrong.code, 1)
    assert.equal(wrong.stderr.trim(), 'meterd: Unauthorized: missing or wrong admin token: send Authorization: Bearer <token>')
    const down = await runCli(['keys', 'list', '--url', 'http://127.0.0.1:1', '--admin-token', 'x'])
    assert.equal(down.code, 1)
    assert.match(down.stderr, /^meterd: Unreachable: cannot reach meterd at http:\/\/127\.0\.0\.1:1: /)
    const noToken = await runCli(['keys', 'list', '--url', url, '--data', join(dir, 'nowhere')])
    assert.equal(noToken.code, 1)
    assert.match(noToken.stderr, /^meterd: no admin token: pass --admin-token/)
    const badAccount = await cli('subscribe', '--product', 'demo-saas', '--account', '12')
    assert.equal(badAccount.stderr.trim(), 'meterd: BadRequest: accountId: must be a 12-digit AWS account id')
    const unknown = await cli('subscribe', '--product', 'nope', '--account', '333333333333')
    assert.equal(unknown.stderr.trim(), 'meterd: NotFound: unknown product nope')
    const missing = await runCli(['subscribe', '--account', '333333333333'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /required option '--product <code>' not specified/)
  })
})
