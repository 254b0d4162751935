import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto'
import forge from 'node-forge'
import type { Ledger } from '../ledger/ledger.js'

/**
 * The certificate meterd signs SNS messages with, as SNS's SigningCertURL serves one: an RSA key
 * and a self-signed X.509 certificate, made once and kept in the ledger so every node signs with
 * the same key and serves the same certificate.
 */
export interface SigningCertificate {
  privateKeyPem: string
  certificatePem: string
  /** The name it is served under: SimpleNotificationService-<sha256 of the certificate, 32 hex>.pem */
  fileName: string
}

const CONTROL_NAME = 'sns-signing-certificate'
const YEAR_MS = 365 * 24 * 60 * 60 * 1000

export async function openSigningCertificate(
  ledger: Pick<Ledger, 'loadControl' | 'initControl'>,
  nowMs: number,
): Promise<SigningCertificate> {
  type Stored = Omit<SigningCertificate, 'fileName'>
  // Another node starting at the same moment may store its own first: whichever is stored is used.
  const stored = ((await ledger.loadControl(CONTROL_NAME)) ??
    (await ledger.initControl(CONTROL_NAME, createCertificate(nowMs), nowMs))) as Stored
  return { ...stored, fileName: fileNameOf(stored.certificatePem) }
}

function fileNameOf(certificatePem: string): string {
  const der = new X509Certificate(certificatePem).raw
  return `SimpleNotificationService-${createHash('sha256').update(der).digest('hex').slice(0, 32)}.pem`
}

function createCertificate(nowMs: number): Omit<SigningCertificate, 'fileName'> {
  // Node makes the key (fast, native); node-forge only assembles and signs the certificate.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  cert.serialNumber = `01${createHash('sha256').update(privateKeyPem).digest('hex').slice(0, 30)}`
  cert.validity.notBefore = new Date(nowMs - 24 * 60 * 60 * 1000)
  cert.validity.notAfter = new Date(nowMs + 10 * YEAR_MS)
  const name = [
    { name: 'commonName', value: 'sns.amazonaws.com (meterd)' },
    { name: 'organizationName', value: 'meterd' },
  ]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create())
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n') }
}
