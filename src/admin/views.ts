import type { SigningKey } from '../domain/registration.js'

/** A signing key as the admin API and CLI show it: never the private half. */
export const keyView = (k: SigningKey) => ({
  version: k.version,
  createdAt: new Date(k.createdAtMs).toISOString(),
  expiresAt: k.expiresAtMs === undefined ? null : new Date(k.expiresAtMs).toISOString(),
  publicKeyPem: k.publicKeyPem,
})
