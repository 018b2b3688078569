// Phoenix channel framing as realtime-js speaks it (docs/supabase-protocols.md §4.2): vsn 2.0.0 JSON arrays,
// vsn 1.0.0 JSON objects, and the client's binary kind-3 "user broadcast push".
import type { JsonObject, JsonValue } from './http'
import { isObject } from './http'

export interface PhxMessage {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: JsonValue
}

const KIND_USER_BROADCAST_PUSH = 3
const ENCODING_JSON = 1

export function decodeText(text: string): PhxMessage | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  }
  catch {
    return undefined
  }
  if (Array.isArray(v) && v.length === 5 && typeof v[2] === 'string' && typeof v[3] === 'string') {
    return { joinRef: refOf(v[0]), ref: refOf(v[1]), topic: v[2], event: v[3], payload: (v[4] ?? {}) as JsonValue }
  }
  if (isObject(v) && typeof v.topic === 'string' && typeof v.event === 'string') {
    return { joinRef: refOf(v.join_ref), ref: refOf(v.ref), topic: v.topic, event: v.event, payload: v.payload ?? {} }
  }
  return undefined
}

function refOf(v: unknown): string | null {
  if (typeof v === 'string')
    return v
  if (typeof v === 'number')
    return String(v)
  return null
}

/**
 * Kind 3: [3, len(join_ref), len(ref), len(topic), len(event), len(meta), encoding] then those strings
 * and the payload. The client writes each header string char by char as one byte, so latin1 is exact.
 */
export function decodeBinary(buf: Buffer): PhxMessage | undefined {
  if (buf.length < 7 || buf[0] !== KIND_USER_BROADCAST_PUSH)
    return undefined
  const [joinRefLen, refLen, topicLen, eventLen, metaLen, encoding] = [buf[1]!, buf[2]!, buf[3]!, buf[4]!, buf[5]!, buf[6]!]
  let offset = 7
  const take = (n: number): string => {
    const s = buf.subarray(offset, offset + n).toString('latin1')
    offset += n
    return s
  }
  const joinRef = take(joinRefLen)
  const ref = take(refLen)
  const topic = take(topicLen)
  const userEvent = take(eventLen)
  const metaText = take(metaLen)
  if (offset > buf.length)
    return undefined
  const rest = buf.subarray(offset)
  let userPayload: JsonValue
  if (encoding === ENCODING_JSON) {
    try {
      userPayload = JSON.parse(rest.toString('utf8')) as JsonValue
    }
    catch {
      return undefined
    }
  }
  else {
    // Raw binary payloads are not used by the app; forwarded as base64 so nothing is lost silently.
    userPayload = rest.toString('base64')
  }
  const payload: JsonObject = { type: 'broadcast', event: userEvent, payload: userPayload }
  if (metaText) {
    try {
      const meta: unknown = JSON.parse(metaText)
      if (isObject(meta))
        Object.assign(payload, meta)
    }
    catch { /* meta is optional decoration */ }
  }
  return { joinRef: joinRef || null, ref: ref || null, topic, event: 'broadcast', payload }
}

export function encode(m: PhxMessage, vsn: '1.0.0' | '2.0.0'): string {
  if (vsn === '1.0.0')
    return JSON.stringify({ join_ref: m.joinRef, ref: m.ref, topic: m.topic, event: m.event, payload: m.payload })
  return JSON.stringify([m.joinRef, m.ref, m.topic, m.event, m.payload])
}
