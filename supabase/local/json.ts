// Bounded JSON for everything the stack parses from outside (request bodies, RPC arguments, realtime
// frames, presence, broadcast, auth metadata). V8's JSON.parse copes with any depth, but the value is
// later serialised again (JSON.stringify recurses and throws past ~10k levels) and handed to
// PostgreSQL (whose parser stops at max_stack_depth with a 500): so depth is refused up front, where
// the caller can still answer a 4xx, instead of failing later inside a handler that cannot.
import type { JsonValue } from './http'

/** No payload the app sends comes near this; deep enough for any honest document. */
export const MAX_JSON_DEPTH = 64
/** Same cap as request bodies and websocket frames. */
export const MAX_JSON_BYTES = 1024 * 1024

export type JsonRefusal = 'invalid' | 'too_deep' | 'too_large'

export type JsonParseResult
  = | { ok: true, value: JsonValue }
    | { ok: false, reason: JsonRefusal, message: string }

export interface JsonLimits {
  maxDepth?: number
  maxBytes?: number
}

const OPEN_BRACE = 0x7B
const OPEN_BRACKET = 0x5B
const CLOSE_BRACE = 0x7D
const CLOSE_BRACKET = 0x5D
const QUOTE = 0x22
const BACKSLASH = 0x5C

/**
 * The deepest nesting of `[`/`{` in a JSON text (strings skipped), counting no further than `stopAt`.
 * Also right for PostgreSQL array literals (`{{1},{2}}`), which is how GET arguments carry arrays.
 */
export function nestingDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH)
        i++
      else if (c === QUOTE)
        inString = false
      continue
    }
    if (c === QUOTE) {
      inString = true
    }
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
      if (depth > max) {
        max = depth
        if (max >= stopAt)
          return max
      }
    }
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return max
}

/** Depth of an already parsed value (iterative, so a hostile value cannot overflow the stack here). */
export function valueDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length) {
    const [v, d] = stack.pop()!
    if (typeof v !== 'object' || v === null)
      continue
    if (d > max) {
      max = d
      if (max >= stopAt)
        return max
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null)
        stack.push([child, d + 1])
    }
  }
  return max
}

/** True when the value is within the depth limit (for values that arrive already parsed). */
export function withinDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  return valueDepth(value, maxDepth + 1) <= maxDepth
}

/** JSON.parse with the stack's limits; never throws. `message` is safe to show to the caller. */
export function parseJson(text: string, limits: JsonLimits = {}): JsonParseResult {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH
  const maxBytes = limits.maxBytes ?? MAX_JSON_BYTES
  // length counts UTF-16 units, at most the byte length: only measure bytes when it could matter.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes) {
    return { ok: false, reason: 'too_large', message: `JSON is larger than ${maxBytes} bytes` }
  }
  if (nestingDepth(text, maxDepth + 1) > maxDepth) {
    return { ok: false, reason: 'too_deep', message: `JSON is nested deeper than ${maxDepth} levels` }
  }
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue }
  }
  catch {
    return { ok: false, reason: 'invalid', message: 'Invalid JSON' }
  }
}

/** JSON.stringify that cannot throw (cycles, BigInt, depth); undefined when the value cannot be encoded. */
export function stringifyJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  }
  catch {
    return undefined
  }
}
