import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** What the endpoint answered. */
  status: number
}

/**
 * A seller's HTTP endpoint: records every request and answers with `respond` (200 by default).
 * `next(n)` waits until n requests have arrived in all.
 */
export interface SellerEndpoint {
  url: string
  received: Received[]
  respond: (r: Omit<Received, 'status'>) => number
  next(count: number, timeoutMs?: number): Promise<Received[]>
  close(): Promise<void>
}

export async function startSellerEndpoint(respond: (r: Omit<Received, 'status'>) => number = () => 200): Promise<SellerEndpoint> {
  const waiters: (() => void)[] = []
  const endpoint: SellerEndpoint = {
    url: '',
    received: [],
    respond,
    async next(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (endpoint.received.length < count) {
        if (Date.now() > deadline)
          throw new Error(
            `expected ${count} requests at the seller's endpoint, got ${endpoint.received.length}: ${endpoint.received.map((r) => r.headers['x-amz-sns-message-type'] ?? r.path).join(', ')}`,
          )
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
      return endpoint.received.slice(0, count)
    },
    close: () =>
      new Promise((resolve) => {
        // Kept-alive connections too: a closed endpoint refuses what comes next.
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      const received = {
        method: request.method!,
        path: request.url!,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      }
      received.status = endpoint.respond(received)
      endpoint.received.push(received)
      response.writeHead(received.status).end()
      for (const w of waiters.splice(0)) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return endpoint
}
