import assert from 'node:assert/strict'
import { it } from 'node:test'
import { startMeterd } from '../helpers/meterd.js'

it("the package's entry point (import 'meterd') gives test suites AdminClient and startServer", async () => {
  const specifier: string = 'meterd' // resolved through package.json "exports", as a user's import is
  const pkg = (await import(specifier)) as typeof import('../../src/index.js')
  assert.equal(typeof pkg.startServer, 'function')
  const meterd = await startMeterd()
  try {
    const admin = new pkg.AdminClient({ url: meterd.server.adminUrl, token: meterd.server.adminToken })
    assert.equal((await admin.clock()).mode, 'real')
    const refused = await new pkg.AdminClient({ url: meterd.server.adminUrl, token: 'wrong-token-wrong-token' })
      .clock()
      .catch((e: unknown) => e)
    assert.ok(refused instanceof pkg.AdminRequestError)
    assert.equal(refused.status, 401)
  } finally {
    await meterd.close()
  }
})
