import { describe, expect, it } from 'vitest'
import { localPhone, phoneOf } from '@/api/auth'
import { ApiError, toApiError } from '@/api/client'

describe('toApiError', () => {
  it('keeps an SQL error key that looks like area.key', () => {
    const e = toApiError({ message: 'checkin.code_expired', code: 'P0001' }, 400)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ key: 'checkin.code_expired', status: 400 })
  })

  it('maps fetch failures and status 0 to network', () => {
    expect(toApiError({ message: 'TypeError: Failed to fetch', code: '' }, 0).key).toBe('network')
    expect(toApiError(new TypeError('fetch failed')).key).toBe('network')
    expect(toApiError({ message: 'FetchError: x' }, 0).transient).toBe(true)
  })

  it('maps a refused token to auth.expired', () => {
    expect(toApiError({ message: 'JWT expired', code: 'PGRST301' }, 401).key).toBe('auth.expired')
    expect(toApiError({ message: 'JWT expired', code: 'PGRST303' }, 401).key).toBe('auth.expired')
  })

  it('anything else is unknown, with its status', () => {
    expect(toApiError({ message: 'Internal error', code: 'XX000' }, 500)).toMatchObject({ key: 'unknown', status: 500 })
    expect(toApiError({ message: 'Some sentence. With dots' }, 400).key).toBe('unknown')
  })

  it('marks refusals as not transient', () => {
    expect(toApiError({ message: 'profile.name_required' }, 400).transient).toBe(false)
    expect(toApiError({ message: 'x' }, 503).transient).toBe(true)
  })
})

describe('phoneOf', () => {
  it.each([
    ['13800138000', '8613800138000'],
    ['138 0013 8000', '8613800138000'],
    ['+86 138-0013-8000', '8613800138000'],
    ['8613800138000', '8613800138000'],
  ])('%s → %s', (input, out) => expect(phoneOf(input)).toBe(out))

  it.each(['a@b.cn', '1380013800', '23800138000', ''])('%s is not a phone', input => expect(phoneOf(input)).toBeNull())
})

describe('localPhone', () => {
  it.each([
    ['8613800000004', '13800000004'],
    ['85291234567', '85291234567'],
    [null, ''],
  ])('%s → %s', (stored, shown) => expect(localPhone(stored)).toBe(shown))
})
