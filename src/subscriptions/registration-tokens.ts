import { createHash, randomBytes } from 'node:crypto'

/** 48 random bytes, base64url: opaque and unguessable. Only the hash is stored. */
const TOKEN_BYTES = 48
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/

/**
 * A token never starts with '-': sellers paste it after `--registration-token` in the AWS CLI, whose
 * argument parser takes a leading '-' for an option and fails ("expected one argument") for 1 in 64.
 */
export function mintRegistrationToken(): string {
  for (;;) {
    const token = randomBytes(TOKEN_BYTES).toString('base64url')
    if (token[0] !== '-') return token
  }
}

/** Tokens minted before the leading-'-' rule stay valid, so the pattern still allows it. */
export const isWellFormedToken = (token: string): boolean => TOKEN_PATTERN.test(token)

export const hashRegistrationToken = (token: string): string => createHash('sha256').update(token).digest('hex')
