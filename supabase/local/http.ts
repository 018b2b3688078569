// Small request/response helpers shared by the HTTP handlers (no framework: the surface is tiny
// and every byte of the wire shape must be under our control).
import type { IncomingMessage, ServerResponse } from 'node:http'

export const MAX_BODY_BYTES = 1024 * 1024

export class BodyTooLargeError extends Error {
  constructor() {
    super(`Request body exceeds ${MAX_BODY_BYTES} bytes`)
  }
}

/** Reads the whole body; rejects past the cap without buffering the rest. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      // Drain so the connection can still carry the error reply.
      req.resume()
      reject(new BodyTooLargeError())
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed)
        return
      size += chunk.length
      if (size > limit) {
        failed = true
        reject(new BodyTooLargeError())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed)
        resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', (e) => {
      if (!failed)
        reject(e)
    })
  })
}

/** Decodes a path segment as Warp does: a malformed escape stays as it was written instead of throwing. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  }
  catch {
    return segment.replace(/(?:%[0-9A-F]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run)
      }
      catch {
        return run
      }
    })
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRawJson(res, status, JSON.stringify(body), headers)
}

/** For JSON text Postgres produced: passed through without a parse/serialise round trip. */
export function sendRawJson(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent)
    return
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent)
    return
  res.writeHead(status, headers)
  res.end()
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Request headers as PostgREST exposes them to SQL: names lower-cased, one string value each. */
export function lowerCasedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined)
      continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

export interface JsonObject { [key: string]: JsonValue }
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
