import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { staleReadGuard } from '../../src/shared/stale-reads.js'

/** A promise settled from outside, to order a read against a write. */
function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('staleReadGuard: a periodic re-read never reverts a newer local change', () => {
  it('drops a read that began before a local change and landed after it', async () => {
    const guard = staleReadGuard()
    let cached = 'old'
    const load = deferred<string>()
    const read = guard.read(
      () => load.promise,
      (v) => (cached = v),
    )
    await guard.write(async () => {
      cached = 'new'
    })
    load.resolve('old')
    assert.equal(await read, 'old') // the caller still gets what was read
    assert.equal(cached, 'new')
  })

  it('drops a read that began and ended while a local change was being stored', async () => {
    const guard = staleReadGuard()
    let cached = 'old'
    const stored = deferred<void>()
    const write = guard.write(async () => {
      cached = 'new'
      await stored.promise
    })
    await guard.read(
      async () => 'old',
      (v) => (cached = v),
    )
    stored.resolve()
    await write
    assert.equal(cached, 'new')
  })

  it("applies reads that do not overlap a local change, such as another node's change", async () => {
    const guard = staleReadGuard()
    let cached = 'old'
    await guard.write(async () => {
      cached = 'mine'
    })
    await guard.read(
      async () => 'theirs',
      (v) => (cached = v),
    )
    assert.equal(cached, 'theirs')
  })
})
