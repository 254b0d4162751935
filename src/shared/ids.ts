import { v7 } from 'uuid'

/**
 * MeteringRecordIds and audit event ids: UUIDs, as AWS returns them, of version 7 (time-ordered),
 * so new rows land at the end of the primary-key index instead of on random pages.
 */
export const newId = (): string => v7()
