import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import { importPKCS8, type CryptoKey, SignJWT } from 'jose'
import type { SigningKey } from '../domain/registration.js'
import type { Ledger, NewSigningKey } from '../ledger/ledger.js'
import { staleReadGuard } from '../shared/stale-reads.js'

/**
 * The RSA keys RegisterUsage signs with. Generated on first start and stored in the ledger,
 * versioned from 1; rotation adds the next version and expires the previous one. Sellers verify
 * with the public keys meterd publishes (PEM per version, JWKS).
 */
export interface KeyRing {
  list(): readonly SigningKey[]
  /** The key of `version`, re-reading the ledger once if this node has not seen it yet. */
  find(version: number): Promise<SigningKey | undefined>
  rotate(atMs: number): Promise<readonly SigningKey[]>
  /** A compact JWS (PS256) over `claims`, made with the key of `version`. */
  sign(key: SigningKey, claims: Record<string, unknown>): Promise<string>
  /** Re-reads the keys (another node may have rotated them). */
  refresh(): Promise<void>
}

const RSA_BITS = 2048

export function generateSigningKey(createdAtMs: number): NewSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: RSA_BITS,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, createdAtMs }
}

export async function openKeyRing(ledger: Pick<Ledger, 'listSigningKeys' | 'addSigningKey'>, atMs: number): Promise<KeyRing> {
  let keys = await ledger.listSigningKeys()
  if (keys.length === 0) keys = await ledger.addSigningKey(generateSigningKey(atMs), { expireCurrentAtMs: atMs, onlyIfNone: true })
  const imported = new Map<number, Promise<CryptoKey>>()
  const guard = staleReadGuard()
  const reload = () =>
    guard.read(
      () => ledger.listSigningKeys(),
      (stored) => {
        keys = stored
      },
    )
  return {
    list: () => keys,
    async find(version) {
      let key = keys.find((k) => k.version === version)
      if (!key) key = (await reload()).find((k) => k.version === version)
      return key
    },
    rotate: (rotatedAtMs) =>
      guard.write(async () => {
        keys = await ledger.addSigningKey(generateSigningKey(rotatedAtMs), { expireCurrentAtMs: rotatedAtMs })
        return keys
      }),
    async refresh() {
      await reload()
    },
    async sign(key, claims) {
      let privateKey = imported.get(key.version)
      if (!privateKey) imported.set(key.version, (privateKey = importPKCS8(key.privateKeyPem, 'PS256')))
      return new SignJWT(claims).setProtectedHeader({ alg: 'PS256', typ: 'JWT' }).sign(await privateKey)
    },
  }
}

/** The public keys as a JWKS document; `kid` is the PublicKeyVersion. */
export function jwks(keys: readonly SigningKey[]): { keys: JsonWebKey[] } {
  return {
    keys: keys.map((k) => ({
      ...createPublicKey(k.publicKeyPem).export({ format: 'jwk' }),
      kid: String(k.version),
      alg: 'PS256',
      use: 'sig',
    })),
  }
}
