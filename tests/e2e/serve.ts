import type { AddressInfo } from 'node:net'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'
import { createGzip } from 'node:zlib'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Serves a built app like a production host would: hashed assets immutable, everything else
 * revalidated, and an SPA fallback to index.html for paths without a file.
 */
export async function serveStatic(dir: string, port = 0, host = '127.0.0.1'): Promise<{ url: string, close: () => Promise<void> }> {
  const root = resolve(dir)
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    let file = normalize(join(root, path))
    if (!file.startsWith(root)) {
      res.writeHead(403).end()
      return
    }
    if (!existsSync(file) || statSync(file).isDirectory())
      file = join(root, 'index.html')
    const immutable = path.startsWith('/assets/')
    const type = TYPES[extname(file)] ?? 'application/octet-stream'
    // Compress text as any production host does (the benchmark measures transfer sizes).
    const gzip = /gzip/.test(String(req.headers['accept-encoding'] ?? '')) && /text|javascript|json|svg|manifest/.test(type)
    res.writeHead(200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'vary': 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    })
    const body = createReadStream(file)
    if (gzip)
      body.pipe(createGzip()).pipe(res)
    else
      body.pipe(res)
  })
  await new Promise<void>(r => server.listen(port, host, r))
  const { port: actual } = server.address() as AddressInfo
  return {
    url: `http://${host}:${actual}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
  }
}
