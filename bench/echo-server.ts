import { createServer } from 'node:http'

/**
 * The baseline: the cheapest HTTP server node can run. It reads the whole body (as meterd must)
 * and answers 200 with a small JSON body, so the ratio meterd/baseline shows what meterd's own
 * work costs on top of node's HTTP stack. Runs as a child process; reports its URL over IPC.
 */
const body = Buffer.from('{"MeteringRecordId":"00000000-0000-0000-0000-000000000000"}')

const server = createServer((req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': body.length })
    res.end(body)
  })
})
server.keepAliveTimeout = 65_000 // same as meterd, so connections stay open across the phase

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}` })
})

process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
})
