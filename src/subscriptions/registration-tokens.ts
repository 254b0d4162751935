import { createHash, randomBytes } from 'node:crypto'

/** 48 random bytes, base64url: opaque and unguessable. Only the hash is stored. */
const TOKEN_BYTES = 48
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/

export const mintRegistrationToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url')

export const isWellFormedToken = (token: string): boolean => TOKEN_PATTERN.test(token)

export const hashRegistrationToken = (token: string): string => createHash('sha256').update(token).digest('hex')
