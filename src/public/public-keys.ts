import type { FastifyInstance } from 'fastify'
import { jwks, type KeyRing } from '../keys/key-ring.js'

/** RegisterUsage's public keys, unauthenticated, so a seller's verification code can fetch them. */
export async function publicKeys(app: FastifyInstance, options: { keys: KeyRing }): Promise<void> {
  const document = async () => jwks(options.keys.list())
  app.get('/keys/jwks.json', document)
  app.get('/.well-known/jwks.json', document)
  app.get<{ Params: { version: string } }>('/keys/:version', async (request, reply) => {
    const m = /^(\d+)\.pem$/.exec(request.params.version)
    const key = m ? await options.keys.find(Number(m[1])) : undefined
    if (!key) return reply.code(404).send({ error: 'NotFound', message: `no public key ${request.params.version}; see /keys/jwks.json` })
    return reply.type('application/x-pem-file').send(key.publicKeyPem)
  })
}
