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

/**
 * MeteringRecordIds and audit event ids: UUIDs, as AWS returns them, of version 7 (time-ordered),
 * so new rows land at the end of the primary-key index instead of on random pages.
 */
export const newId = (): string => v7({ random: random16() })
