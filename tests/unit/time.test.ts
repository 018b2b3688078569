import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { relativeTime } from '@/components/topics/time'
import { useSessionForm } from '@/composables/sessions/useSessionForm'
import { bureauDayFromToday, bureauTime, bureauToday, daysFromToday, formatDate, formatTime, parseBureauTime, toInputTime } from '@/modules/time'

const saveSession = vi.fn()
const getSession = vi.fn()
vi.mock('@/api/sessions', () => ({
  saveSession: (...a: unknown[]) => saveSession(...a),
  getSession: (...a: unknown[]) => getSession(...a),
  orgsIManage: async () => [{ id: 'org-1', name: '一中第一党支部', kind: 'branch' }],
}))
vi.mock('@/api/research', () => ({ linkSession: vi.fn() }))

// The phone is in New York (UTC−5 in December), thirteen hours behind the bureau. Node reads TZ
// afresh when it is set, so this file's local time is New York's whatever the machine's zone.
const machineTz = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'America/New_York'
})
afterAll(() => {
  if (machineTz === undefined)
    delete process.env.TZ
  else
    process.env.TZ = machineTz
})

describe('times in Asia/Shanghai on a phone in another zone', () => {
  it('the phone really is in New York', () => {
    expect(new Date('2026-12-01T06:00:00Z').getHours()).toBe(1)
  })

  it('shows a moment as the bureau\'s clock shows it', () => {
    expect(formatTime('2026-12-01T06:00:00Z', 'YYYY-MM-DD HH:mm')).toBe('2026-12-01 14:00')
    expect(formatTime('2026-12-01T20:30:00Z', 'M/D HH:mm')).toBe('12/2 04:30')
    expect(bureauTime('2026-12-01T23:00:00Z').hour()).toBe(7)
  })

  it('reads a typed time as that time in Asia/Shanghai, and shows it back the same', () => {
    expect(parseBureauTime('2026-12-02T14:00').toISOString()).toBe('2026-12-02T06:00:00.000Z')
    expect(toInputTime('2026-12-02T06:00:00Z')).toBe('2026-12-02T14:00')
    expect(toInputTime(parseBureauTime('2026-12-02T14:00').toISOString())).toBe('2026-12-02T14:00')
    // a typed date's end is the end of that day in the county
    expect(parseBureauTime('2026-12-02').endOf('day').toISOString()).toBe('2026-12-02T15:59:59.999Z')
  })

  it('today, tomorrow and days left are the county\'s days', () => {
    const lateEvening = new Date('2026-12-31T17:30:00Z') // New York: 31 Dec 12:30; Shanghai: 1 Jan 01:30
    expect(bureauToday(lateEvening)).toBe('2027-01-01')
    expect(bureauDayFromToday(1, lateEvening)).toBe('2027-01-02')
    expect(bureauDayFromToday(-1, lateEvening)).toBe('2026-12-31')
    expect(daysFromToday('2027-01-01', lateEvening)).toBe(0)
    expect(daysFromToday('2026-12-31', lateEvening)).toBe(-1)
    expect(formatDate('2027-01-01', 'YYYY-MM-DD')).toBe('2027-01-01')
  })

  it('"yesterday" in a topic is the county\'s yesterday', () => {
    const t = (key: string, named?: Record<string, unknown>) => `${key}${named ? JSON.stringify(named) : ''}`
    // 23:00 on 1 Dec and 00:30 on 2 Dec in Shanghai; in New York both are the morning of 1 Dec
    const now = Date.parse('2026-12-01T16:30:00Z')
    expect(relativeTime('2026-12-01T15:00:00Z', t, now)).toBe('topics.time.yesterday{"time":"23:00"}')
    expect(relativeTime('2026-12-01T16:00:00Z', t, now)).toBe('topics.time.minutes{"n":30}')
  })

  it('the session form offers 15:00 tomorrow in Shanghai, shows a session in Shanghai time and saves 14:00 as 14:00 +08', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T17:00:00Z'), toFake: ['Date'] }) // Shanghai: 2 Dec 01:00; New York: 1 Dec
    try {
      const fresh = useSessionForm(null)
      expect(fresh.form.starts_at).toBe('2026-12-03T15:00')

      getSession.mockResolvedValueOnce({
        id: 's-1',
        org_id: 'org-1',
        kind: 'general_meeting',
        title: '支部党员大会',
        starts_at: '2026-12-02T06:00:00Z',
        checkin_opens_at: '2026-12-02T05:30:00Z',
        checkin_closes_at: '2026-12-02T06:15:00Z',
        duration_minutes: 60,
        place: '党员活动室',
        expected_orgs: [{ id: 'org-1' }],
        invitees: [],
        readings: [],
        late_after_minutes: 5,
        research_topic: null,
      })
      const edit = useSessionForm('s-1')
      await edit.load()
      expect(edit.form.starts_at).toBe('2026-12-02T14:00')
      expect(edit.form.opens_before).toBe(30)
      expect(edit.form.closes_after).toBe(15)

      saveSession.mockResolvedValueOnce({ id: 's-1' })
      edit.form.starts_at = '2026-12-04T14:00'
      await edit.save()
      expect(saveSession).toHaveBeenCalledOnce()
      const sent = saveSession.mock.calls[0]![0] as { starts_at: string, checkin_opens_at: string, checkin_closes_at: string }
      expect(sent.starts_at).toBe('2026-12-04T06:00:00.000Z')
      expect(sent.checkin_opens_at).toBe('2026-12-04T05:30:00.000Z')
      expect(sent.checkin_closes_at).toBe('2026-12-04T06:15:00.000Z')
    }
    finally {
      vi.useRealTimers()
    }
  })
})
