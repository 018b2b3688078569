import { describe, expect, it } from 'vitest'
import { relativeTime } from './time'

// times as the county's clock shows them (Asia/Shanghai), whatever this machine's zone
const t = (key: string, named?: Record<string, unknown>) => `${key}${named ? JSON.stringify(named) : ''}`
const now = new Date('2026-11-25T12:00:00+08:00').getTime()
const ago = (ms: number) => new Date(now - ms).toISOString()

describe('relativeTime', () => {
  it('says just now, minutes, hours, yesterday, days, then the date', () => {
    expect(relativeTime(ago(20_000), t, now)).toBe('topics.time.just_now')
    expect(relativeTime(ago(5 * 60_000), t, now)).toBe('topics.time.minutes{"n":5}')
    expect(relativeTime(ago(3 * 3_600_000), t, now)).toBe('topics.time.hours{"n":3}')
    expect(relativeTime(new Date('2026-11-24T14:05:00+08:00').toISOString(), t, now)).toBe('topics.time.yesterday{"time":"14:05"}')
    expect(relativeTime(new Date('2026-11-21T09:00:00+08:00').toISOString(), t, now)).toBe('topics.time.days{"n":4}')
    expect(relativeTime(new Date('2026-10-02T09:00:00+08:00').toISOString(), t, now)).toBe('10/2')
    expect(relativeTime(new Date('2025-10-02T09:00:00+08:00').toISOString(), t, now)).toBe('2025/10/2')
  })
})
