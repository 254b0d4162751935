import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { newId } from '../../src/shared/ids.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newId', () => {
  it('makes unique version-7 UUIDs that sort in the order they were made, within a millisecond too', () => {
    // Thousands in a loop: many share a millisecond (fault rules added together apply in this order).
    const ids = Array.from({ length: 20_000 }, newId)
    for (const id of ids) assert.match(id, UUID_V7)
    assert.equal(new Set(ids).size, ids.length)
    assert.deepEqual([...ids].sort(), ids)
  })
})
