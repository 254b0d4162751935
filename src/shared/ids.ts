import { randomUUID } from 'node:crypto'

/** MeteringRecordIds and request ids are UUIDs, as AWS returns them. */
export const newId = (): string => randomUUID()
