/** An RSA key RegisterUsage signs with; versions count from 1. */
export interface SigningKey {
  version: number
  privateKeyPem: string
  publicKeyPem: string
  createdAtMs: number
  /** Set when a newer version replaced this one. */
  expiresAtMs?: number
}

/** What a registration token resolves to (the token itself is stored only as a hash). */
export interface RegistrationToken {
  tokenHash: string
  productCode: string
  customerIdentifier: string
  customerAccountId: string
  licenseArn: string
  offerType?: 'free-trial'
  createdAtMs: number
  expiresAtMs: number
}

/** One ECS task / EKS pod that called RegisterUsage for a product. */
export interface Registration {
  key: string
  productCode: string
  resourceId: string
  callerAccountId: string
  /** Called from the publishing seller's own account, so entitlement was not checked. */
  preview: boolean
  firstCallMs: number
  lastCallMs: number
  callCount: number
}

export const registrationKey = (productCode: string, callerAccountId: string, resourceId: string) =>
  JSON.stringify(['R', productCode, callerAccountId, resourceId])
