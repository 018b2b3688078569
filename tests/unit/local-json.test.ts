// supabase/local/json.ts: the one bounded JSON parser of the local stack (used by rest, realtime and auth).
import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, nestingDepth, parseJson, stringifyJson, valueDepth, withinDepth } from '../../supabase/local/json'

const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n)

describe('bounded JSON', () => {
  it('parses what is within the limits', () => {
    expect(parseJson('{"a":[1,{"b":"二"}]}')).toEqual({ ok: true, value: { a: [1, { b: '二' }] } })
    expect(parseJson(nested(MAX_JSON_DEPTH)).ok).toBe(true)
  })

  it('refuses depth past the limit before parsing, and says why in words safe to show', () => {
    expect(parseJson(nested(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, reason: 'too_deep', message: 'JSON is nested deeper than 64 levels' })
    expect(parseJson(nested(100_000))).toMatchObject({ ok: false, reason: 'too_deep' })
    expect(parseJson('{"a":1}', { maxDepth: 0 })).toMatchObject({ ok: false, reason: 'too_deep' })
  })

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestingDepth('["[[[[", "\\"[[[", {"k": "]]]"}]')).toBe(2)
    expect(parseJson(`["${'['.repeat(1000)}"]`).ok).toBe(true)
  })

  it('refuses invalid JSON and oversized text', () => {
    expect(parseJson('{"a":')).toEqual({ ok: false, reason: 'invalid', message: 'Invalid JSON' })
    expect(parseJson(`"${'x'.repeat(200)}"`, { maxBytes: 100 })).toMatchObject({ ok: false, reason: 'too_large' })
    // Bytes, not UTF-16 units: 60 Chinese characters are 180 bytes.
    expect(parseJson(`"${'学'.repeat(60)}"`, { maxBytes: 100 })).toMatchObject({ ok: false, reason: 'too_large' })
  })

  it('measures parsed values without recursion', () => {
    const deep = JSON.parse(nested(50_000)) as unknown
    expect(valueDepth(deep, 100)).toBe(100)
    expect(withinDepth(deep)).toBe(false)
    expect(withinDepth({ a: [{ b: 1 }] })).toBe(true)
    expect(valueDepth('x')).toBe(0)
  })

  it('stringifies without throwing', () => {
    expect(stringifyJson(JSON.parse(nested(50_000)))).toBeUndefined()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(stringifyJson(cyclic)).toBeUndefined()
    expect(stringifyJson({ a: 1 })).toBe('{"a":1}')
  })
})
