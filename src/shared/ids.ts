import { randomFillSync } from 'node:crypto'
import { v7 } from 'uuid'

// uuid refills its 256-byte pool with a system call every 16 ids; a request of 25 records asks
// for 26, and on a VM that call costs more than the rest of the id. One fill per 1024 ids here.
const pool = new Uint8Array(16 * 1024)
let taken = pool.length
const random16 = (): Uint8Array => {
  if (taken === pool.length) {
    randomFillSync(pool)
    taken = 0
  }
  return pool.subarray(taken, (taken += 16))
}

// Given its random bytes, uuid no longer counts within a millisecond; this does, as uuid's own
// v7 state does: a random start each new millisecond, then +1 per id.
let lastMs = -Infinity
let sequence = 0

/**
 * MeteringRecordIds and audit event ids: UUIDs, as AWS returns them, of version 7 (time-ordered,
 * and ordered within a millisecond too), so new rows land at the end of the primary-key index
 * instead of on random pages, and ids sort in the order they were made.
 */
export function newId(): string {
  const random = random16()
  const now = Date.now()
  if (now > lastMs) {
    sequence = (random[6]! << 23) | (random[7]! << 16) | (random[8]! << 8) | random[9]!
    lastMs = now
  } else {
    sequence = (sequence + 1) | 0
    if (sequence === 0) lastMs++
  }
  return v7({ random, msecs: lastMs, seq: sequence })
}
