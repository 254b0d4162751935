import { generateKeyPairSync } from 'node:crypto'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import forge from 'node-forge'

/**
 * An HTTPS server standing in for sns.<region>.amazonaws.com: it serves the PEM it is given at
 * any *.pem path, over TLS with a self-signed certificate for 127.0.0.1 that this process trusts.
 * Verifiers such as AWS's sns-validator fetch SigningCertURL only over https.
 */
export interface CertHost {
  /** https://127.0.0.1:<port> */
  origin: string
  pem: string
  close(): Promise<void>
}

export async function startCertHost(): Promise<CertHost> {
  const { key, cert } = selfSignedFor127()
  // sns-validator fetches with https.get and the global agent: trust this server's certificate there.
  https.globalAgent.options.ca = [cert]
  const host: CertHost = {
    origin: '',
    pem: '',
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server = https.createServer({ key, cert }, (request, response) => {
    if (!request.url?.endsWith('.pem') || !host.pem) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(host.pem)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return host
}

function selfSignedFor127(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const c = forge.pki.createCertificate()
  c.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  c.serialNumber = '01'
  c.validity.notBefore = new Date(Date.now() - 86_400_000)
  c.validity.notAfter = new Date(Date.now() + 86_400_000)
  const name = [{ name: 'commonName', value: '127.0.0.1' }]
  c.setSubject(name)
  c.setIssuer(name)
  c.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }])
  c.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create())
  return { key, cert: forge.pki.certificateToPem(c) }
}
