import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { CONSOLE_SECURITY_HEADERS } from './security-headers.js'

/** Where the build (`npm run build:console`) puts the console: dist/console beside dist/src. */
export const CONSOLE_ASSETS_DIR = fileURLToPath(new URL('../../console/', import.meta.url))

const CONTENT_TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.json', 'application/json'],
])

interface Asset {
  body: Buffer
  type: string
  /** Hashed file names never change content: cache them for good. */
  immutable: boolean
}

/**
 * The web console at /console/: static files built from console/, read once at start (a few
 * hundred kilobytes), served with the console's security headers. The console itself holds no
 * secret and no data: it signs in with the admin token and calls the admin API like any client.
 */
export async function consolePages(app: FastifyInstance, options: { assetsDir?: string } = {}): Promise<void> {
  const assets = readAssets(options.assetsDir ?? CONSOLE_ASSETS_DIR)
  const send = (reply: FastifyReply, asset: Asset) =>
    reply
      .headers(CONSOLE_SECURITY_HEADERS)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(asset.type)
      .send(asset.body)

  app.get('/console', async (_request, reply) => reply.redirect('/console/'))
  app.get<{ Params: { '*': string } }>('/console/*', async (request, reply) => {
    const path = request.params['*'] || 'index.html'
    const asset = assets.get(path)
    if (asset) return send(reply, asset)
    const index = assets.get('index.html')
    if (!index)
      return reply
        .code(503)
        .headers(CONSOLE_SECURITY_HEADERS)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build:console` (npm ci and npm run build do it too).')
    return reply.code(404).headers(CONSOLE_SECURITY_HEADERS).type('text/plain; charset=utf-8').send(`no console file ${path}`)
  })
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir)) return assets
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = join(folder, name)
      if (statSync(file).isDirectory()) walk(file)
      else {
        const path = relative(dir, file).split(sep).join('/')
        const type = CONTENT_TYPES.get(extname(name))
        if (type) assets.set(path, { body: readFileSync(file), type, immutable: path.startsWith('assets/') })
      }
    }
  }
  walk(dir)
  return assets
}
