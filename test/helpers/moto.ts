import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'

/**
 * moto's server (`python3 -m moto.server`): a real SQS and EventBridge API on 127.0.0.1, for
 * meterd to deliver to and the seller's worker to read from. Undefined with the reason when moto
 * is not installed.
 */
export interface Moto {
  url: string
  port: number
  close(): Promise<void>
}

export function motoProblem(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import moto.server, boto3'], { encoding: 'utf8' })
  if (probe.error) return `python3 is not available (${probe.error.message})`
  if (probe.status !== 0) return `moto is not installed for python3 (pip install 'moto[server]'): ${probe.stderr.trim().split('\n').at(-1)}`
  return undefined
}

/** Starts moto (on `port`, e.g. to bring a stopped one back at the same address; default: a free one). */
export async function startMoto(port?: number): Promise<Moto> {
  port ??= await freePort()
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto.server exited: ${stderr}`)
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto.server did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    port,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
