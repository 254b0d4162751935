import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AdminClient } from '../../src/admin/admin-client.js'
import { buildCases, buildOpenApiCases, type Case, type ClientId, type Outcome, retryCases } from './cases.js'
import { type Detected, detectClients, REPO_ROOT } from './clients.js'
import { boto3Driver, cliDriver, type Driver, jsDriver, openApiDriver, sealedEnv } from './drivers.js'
import { judgeCase, renderCompatibility, type Row } from './report.js'
import { startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { conformanceWorld, type Slice, slice } from './world.js'

/**
 * Conformance with the real AWS clients: the JS SDK v3 (in this process), boto3 (legacy and
 * standard retries), the AWS CLI v1 and Debian's AWS CLI v2, and an OpenAPI-style plain fetch
 * client, against a real meterd. Every client calls every operation it has: success, and every
 * modeled error meterd can produce, plus throttling and internal errors with retries. The run
 * renders docs/compatibility.md; the last test fails when the committed file says otherwise.
 *
 * A client missing on this machine is reported loudly and skipped; with CI=true it fails.
 */
const CI = process.env.CI === 'true'
const DOC = join(REPO_ROOT, 'docs/compatibility.md')
const SIGV4_CLIENTS = ['js', 'boto3', 'boto3-standard', 'boto3-cbor', 'cli-v1', 'cli-v2'] as const
const ALL_CLIENTS: readonly ClientId[] = [...SIGV4_CLIENTS, 'openapi']
const TAGS: Record<(typeof SIGV4_CLIENTS)[number], string> = {
  'boto3-cbor': 'BOTOCBOR',
  js: 'JS',
  boto3: 'BOTO',
  'boto3-standard': 'BOTOSTD',
  'cli-v1': 'CLIV1',
  'cli-v2': 'CLIV2',
}
const HOUR = 3_600_000

interface Result {
  c: Case
  outcomes: Outcome[]
}

/** Every user agent in meterd's audit trail, once the trail has caught up with the calls. */
async function auditUserAgents(admin: AdminClient): Promise<string[]> {
  const read = async () => {
    const agents: string[] = []
    let cursor: string | null = null
    do {
      const page: { events: Record<string, unknown>[]; nextCursor: string | null } = await admin.listAudit({
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      })
      agents.push(...page.events.map((e) => (typeof e.userAgent === 'string' ? e.userAgent : '')))
      cursor = page.nextCursor
    } while (cursor)
    return agents
  }
  // The trail is written after the answer has gone out: read until two reads agree.
  let previous = await read()
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const current = await read()
    if (current.length === previous.length) return current
    previous = current
  }
  return previous
}

const attemptsOf = (agents: readonly string[], c: Case) => {
  const pattern = new RegExp(`mcase-${c.id}(?![\\w-])`)
  return agents.filter((a) => pattern.test(a)).length
}

describe('conformance with the real AWS clients', () => {
  let strict: TestMeterd
  let permissive: TestMeterd
  let detected: Record<ClientId, Detected>
  const rows: Row[] = []
  const home = mkdtempSync(join(tmpdir(), 'meterd-conformance-'))

  before(async () => {
    detected = await detectClients()
    for (const id of ALL_CLIENTS) {
      const missing = detected[id].info.missing
      if (missing)
        console.error(
          `\n!!! CONFORMANCE: ${detected[id].info.label} is NOT available here and is ${CI ? 'FAILED (CI=true)' : 'SKIPPED'}: ${missing}\n`,
        )
    }
    const slices = new Map<ClientId, Slice>(SIGV4_CLIENTS.map((id, i) => [id, slice(TAGS[id], i + 1)]))
    strict = await startMeterd({ world: conformanceWorld([...slices.values()]) })
    permissive = await startMeterd({ auth: 'permissive' })
    const strictAdmin = new AdminClient({ url: strict.url, token: strict.server.adminToken })
    const permissiveAdmin = new AdminClient({ url: permissive.url, token: permissive.server.adminToken })

    // Key version 1 expires: RegisterUsage with it answers PublicKeyRotationTimestamp.
    const rotatedAtMs = async (admin: AdminClient) => Date.parse((await admin.rotateKeys()).keys.find((k) => k.version === 1)!.expiresAt!)
    const strictRotatedAtMs = await rotatedAtMs(strictAdmin)
    const permissiveRotatedAtMs = await rotatedAtMs(permissiveAdmin)
    // Registration tokens: one minted 5 hours ago (past its 4 h TTL), one fresh, per client.
    await strictAdmin.setClock(new Date(Date.now() - 5 * HOUR).toISOString())
    const expired = new Map<ClientId, string>()
    for (const [id, s] of slices)
      expired.set(id, (await strictAdmin.subscribe({ productCode: s.saas, accountId: s.buyerAccount, deliver: false })).registrationToken)
    await strictAdmin.resetClock()
    const valid = new Map<ClientId, { token: string; licenseArn: string; customerIdentifier: string }>()
    for (const [id, s] of slices) {
      const sub = await strictAdmin.subscribe({ productCode: s.saas, accountId: s.buyerAccount, deliver: false })
      valid.set(id, { token: sub.registrationToken, licenseArn: sub.licenseArn, customerIdentifier: sub.customerIdentifier })
    }
    const openapiSub = await permissiveAdmin.subscribe({ productCode: 'demo-saas', accountId: '333333333333', deliver: false })

    // Usage is reported 10 minutes ago, with a millisecond fraction (JS sends it, botocore drops it).
    const atMs = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000 + 123
    const casesOf = (id: ClientId): Case[] => {
      const info = detected[id].info
      if (id === 'openapi') {
        return buildOpenApiCases(info, {
          atMs,
          rotatedAtMs: permissiveRotatedAtMs,
          token: { token: openapiSub.registrationToken, accountId: '333333333333', licenseArn: openapiSub.licenseArn },
        })
      }
      const cases = buildCases(info, {
        slice: slices.get(id)!,
        atMs,
        validToken: valid.get(id)!,
        expiredToken: expired.get(id)!,
        rotatedAtMs: strictRotatedAtMs,
      })
      if (id === 'boto3-standard') return retryCases(cases)
      // The CBOR client is the Entitlement Service's second wire format: its cases only.
      if (id === 'boto3-cbor') return cases.filter((c) => c.operation === 'GetEntitlements')
      return cases
    }
    const driverOf = async (id: ClientId): Promise<Driver> => {
      const d = detected[id]
      switch (id) {
        case 'js':
          return jsDriver(strict.url)
        case 'boto3':
          return boto3Driver(d.command!.file, strict.url, sealedEnv(home))
        case 'boto3-standard':
          return boto3Driver(d.command!.file, strict.url, sealedEnv(home, { AWS_RETRY_MODE: 'standard' }))
        case 'boto3-cbor':
          return boto3Driver(d.command!.file, strict.url, sealedEnv(home, { METERD_CBOR_ONLY: '1' }))
        case 'cli-v1':
        case 'cli-v2':
          return cliDriver(d.info, d.command!, strict.url)
        case 'openapi':
          return openApiDriver(permissive.url)
      }
    }

    // The clients run side by side; each one's cases run in order (fault rules are per case).
    const results = new Map<ClientId, Result[]>()
    await Promise.all(
      ALL_CLIENTS.filter((id) => !detected[id].info.missing).map(async (id) => {
        const admin = id === 'openapi' ? permissiveAdmin : strictAdmin
        const driver = await driverOf(id)
        const own: Result[] = []
        results.set(id, own)
        try {
          for (const c of casesOf(id)) {
            const ruleIds: string[] = []
            for (const rule of c.faults ?? []) ruleIds.push((await admin.addFault(rule)).id)
            const outcomes = await driver
              .run(c)
              .catch((error: Error): Outcome[] => [{ kind: 'exception', via: 'driver', message: error.message }])
            for (const ruleId of ruleIds) await admin.removeFault(ruleId).catch(() => undefined) // used up already, or left over
            own.push({ c, outcomes })
          }
        } finally {
          await driver.close()
        }
      }),
    )

    const strictAgents = await auditUserAgents(strictAdmin)
    const permissiveAgents = await auditUserAgents(permissiveAdmin)
    for (const id of ALL_CLIENTS) {
      for (const { c, outcomes } of results.get(id) ?? []) {
        rows.push(judgeCase(detected[id].info, c, outcomes, attemptsOf(id === 'openapi' ? permissiveAgents : strictAgents, c)))
      }
    }
  })

  after(async () => {
    await strict?.close()
    await permissive?.close()
    rmSync(home, { recursive: true, force: true })
  })

  const missingClient = (t: { diagnostic(m: string): void; skip(m: string): void }, id: ClientId): boolean => {
    const { label, missing } = detected[id].info
    if (!missing) return false
    const message = `${label} is not available on this machine: ${missing}`
    console.error(`\n!!! CONFORMANCE: ${message}\n`)
    t.diagnostic(message)
    if (CI) assert.fail(`${message}. With CI=true no client may be skipped (.ci/run installs them).`)
    t.skip(message)
    return true
  }

  for (const id of ALL_CLIENTS) {
    it(`${id}: every case behaves as the client's model says`, async (t) => {
      if (missingClient(t, id)) return
      const own = rows.filter((r) => r.client === id)
      assert.ok(own.length > 0, 'no case ran')
      for (const row of own) {
        await t.test(`${row.operation} · ${row.name}`, () => {
          assert.ok(
            row.ok,
            [
              `case ${row.caseId}`,
              `expected: ${row.expected} (attempts ${row.attempts.expected})`,
              `observed: ${row.observed} (attempts ${row.attempts.observed})`,
              `outcomes: ${JSON.stringify(row.outcomes)}`,
            ].join('\n'),
          )
        })
      }
    })
  }

  it('docs/compatibility.md is the table this run produced', (t) => {
    const missing = ALL_CLIENTS.filter((id) => detected[id].info.missing)
    if (missing.length > 0) {
      const message = `not comparing docs/compatibility.md: ${missing.join(', ')} missing, so this run's table is partial`
      t.diagnostic(message)
      if (CI) assert.fail(message)
      t.skip(message)
      return
    }
    const produced = renderCompatibility(
      ALL_CLIENTS.map((id) => detected[id].info),
      rows,
    )
    const committed = existsSync(DOC) ? readFileSync(DOC, 'utf8') : undefined
    if (committed === produced) return
    mkdirSync(dirname(DOC), { recursive: true })
    writeFileSync(DOC, produced)
    const before = (committed ?? '').split('\n')
    const changed = produced
      .split('\n')
      .filter((line, i) => line !== before[i])
      .slice(0, 8)
    assert.fail(
      [
        committed === undefined ? 'docs/compatibility.md did not exist.' : 'docs/compatibility.md differs from what this run produced.',
        "It has been rewritten with this run's results: review `git diff docs/compatibility.md` and commit it.",
        'First changed lines:',
        ...changed.map((l) => `  ${l.slice(0, 300)}`),
      ].join('\n'),
    )
  })
})
