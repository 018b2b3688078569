// The .ics the app makes (with `ics`) read back with another library (ical.js), as a phone's
// calendar would: title, time, place, organiser (in the description), the link back, the alarm, a cancelled one.
import ICAL from 'ical.js'
import { describe, expect, it } from 'vitest'
import { sessionsIcs } from '@/modules/calendar'

const session = {
  id: '6f1c1a52-0000-4000-8000-000000000001',
  title: '支部党员大会：学习十八大报告',
  starts_at: '2026-12-02T07:30:00Z', // 15:30 in Shanghai
  duration_minutes: 90,
  place: '三楼会议室',
  cancelled_at: null,
  organiser_name: '王书记',
  org_name: '第一党支部',
}

function events(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text))
  return cal.getAllSubcomponents('vevent').map(v => ({ v, e: new ICAL.Event(v) }))
}

describe('sessions as .ics', () => {
  it('one session parses to its title, time, place, organiser, link and an alarm an hour before', async () => {
    const [{ v, e }] = events(await sessionsIcs([session], 'https://app.example', '一小时后开始', '组织者：'))
    expect(e.summary).toBe(session.title)
    expect(e.location).toBe('三楼会议室')
    expect(e.startDate.toJSDate().toISOString()).toBe('2026-12-02T07:30:00.000Z')
    expect(e.endDate.toJSDate().toISOString()).toBe('2026-12-02T09:00:00.000Z')
    expect(e.uid).toBe(`${session.id}@xxdzz`)
    expect(String(v.getFirstPropertyValue('url'))).toBe(`https://app.example/sessions/${session.id}`)
    expect(e.description).toBe(`组织者：王书记 · 第一党支部\nhttps://app.example/sessions/${session.id}`)
    const alarm = v.getFirstSubcomponent('valarm')!
    expect(String(alarm.getFirstPropertyValue('trigger'))).toBe('-PT1H')
    expect(v.getFirstPropertyValue('status')).toBe('CONFIRMED')
  })

  it('several sessions make one calendar; a cancelled one says CANCELLED and has no alarm', async () => {
    const other = { ...session, id: '6f1c1a52-0000-4000-8000-000000000002', place: '', cancelled_at: '2026-12-01T00:00:00Z' }
    const list = events(await sessionsIcs([session, other], 'https://app.example', 'x', 'by '))
    expect(list).toHaveLength(2)
    expect(list[1].v.getFirstPropertyValue('status')).toBe('CANCELLED')
    expect(list[1].v.getFirstSubcomponent('valarm')).toBeNull()
    expect(list[1].e.location).toBeNull()
  })
})
