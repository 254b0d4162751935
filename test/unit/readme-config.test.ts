import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config/config.js'

const README = fileURLToPath(new URL('../../../README.md', import.meta.url))

describe("the README's config file example", () => {
  it('is a valid config file: every field it shows parses, every reference resolves', () => {
    const readme = readFileSync(README, 'utf8')
    const section = readme.slice(readme.indexOf('### The config file'))
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!
    const dir = mkdtempSync(join(tmpdir(), 'meterd-readme-'))
    try {
      const file = join(dir, 'meterd.yaml')
      writeFileSync(file, yaml)
      const config = loadConfig({ config: file }, {})
      assert.deepEqual(
        config.configWorld!.products.map((p) => [p.code, p.pricing]),
        [
          ['my-saas', 'usage'],
          ['my-contract', 'contract'],
        ],
      )
      assert.equal(config.configWorld!.agreements[0]!.versions[0]!.entitlements.tier, 'gold')
      assert.equal(config.windows.finalMeteringMs, 3_600_000)
      assert.deepEqual(
        config.configWorld!.notifications.map((t) => [t.id, t.type]),
        [
          ['fulfillment-api', 'sns-http'],
          ['agreement-events', 'eventbridge'],
        ],
      )
      assert.deepEqual(config.configWorld!.notifications[1]!.retry, {
        attempts: 10,
        minDelayMs: 1000,
        maxDelayMs: 20_000,
        backoff: 'exponential',
      })
      assert.equal(config.notifications.settings.delaysMs['license-deprovisioned'], 30_000)
      assert.equal(config.notifications.timeoutMs, 15_000)
      assert.equal(config.notifications.publicUrl, 'https://meterd.internal:6387')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
