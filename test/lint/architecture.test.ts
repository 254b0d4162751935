import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * The import rules `npm run lint` checks (.dependency-cruiser.cjs), run on a copy of the real
 * src/ with one wrong import added: the check must pass on the tree as it is and fail, naming
 * the broken rule, on each kind of wrong import.
 */
describe('npm run lint: the architecture check', () => {
  let copy: string

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'meterd-arch-'))
    for (const file of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, file), join(copy, file))
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  })
  after(() => rmSync(copy, { recursive: true, force: true }))

  /** Copies src/ and the console's code afresh, appends `line` to `file` (when given), and runs the check. */
  const check = (file?: string, line?: string) => {
    for (const folder of ['src', 'console/src']) {
      rmSync(join(copy, folder), { recursive: true, force: true })
      cpSync(join(ROOT, folder), join(copy, folder), { recursive: true })
    }
    if (file && line) appendFileSync(join(copy, file), `\n${line}\n`)
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', 'console/src', '--output-type', 'err'],
      {
        cwd: copy,
        encoding: 'utf8',
      },
    )
    return { code: run.status, output: `${run.stdout}${run.stderr}` }
  }

  it('passes on the tree as it is', () => {
    const run = check()
    assert.equal(run.code, 0, run.output)
    assert.match(run.output, /no dependency violations found/)
  })

  const wrong: [string, string, string, RegExp][] = [
    [
      'domain code importing a store',
      'src/domain/world.ts',
      "export { createSqliteLedger } from '../ledger/sqlite/sqlite-ledger.js'",
      /error layer-domain: src\/domain\/world\.ts → src\/ledger\/sqlite\/sqlite-ledger\.ts/,
    ],
    [
      'domain code throwing the wire error',
      'src/domain/billing.ts',
      "export { AwsError } from '../errors/aws-error.js'",
      /error layer-domain: src\/domain\/billing\.ts → src\/errors\/aws-error\.ts/,
    ],
    [
      'the wire importing an operation',
      'src/protocol/shape.ts',
      "export { meteringService } from '../operations/metering-service.js'",
      /error layer-protocol: src\/protocol\/shape\.ts → src\/operations\/metering-service\.ts/,
    ],
    [
      'an operation importing SQL',
      'src/operations/meter-usage.ts',
      "export { sql } from 'kysely'",
      /error sql-only-in-stores: src\/operations\/meter-usage\.ts → \S*node_modules\/kysely\//,
    ],
    [
      'the CLI importing a store',
      'src/cli/connection.ts',
      "export { createPostgresLedger } from '../ledger/postgres/postgres-ledger.js'",
      /error layer-cli: src\/cli\/connection\.ts → src\/ledger\/postgres\/postgres-ledger\.ts/,
    ],
    [
      'a rule reaching for the HTTP framework',
      'src/controls/quotas.ts',
      "export type { FastifyInstance } from 'fastify'",
      /error no-http-framework-below-the-surfaces: src\/controls\/quotas\.ts → \S*node_modules\/fastify\//,
    ],
    [
      'the browser console reaching past the admin API into the server',
      'console/src/admin.ts',
      "export { startServer } from '../../src/server/build-server.js'",
      /error console-uses-the-admin-client: console\/src\/admin\.ts → src\/server\/build-server\.ts/,
    ],
    [
      'the console plugin importing the admin API',
      'src/console/console-pages.ts',
      "export { RouteBook } from '../admin/route-book.js'",
      /error layer-console: src\/console\/console-pages\.ts → src\/admin\/route-book\.ts/,
    ],
  ]
  for (const [what, file, line, expected] of wrong) {
    it(`fails on ${what}`, () => {
      const run = check(file, line)
      assert.notEqual(run.code, 0, run.output)
      assert.match(run.output, expected)
    })
  }
})
