import type { EventAttributes } from 'ics'
import { saveFile } from './download'

/** What a calendar entry needs of a session (session_detail and my_calendar both give it). */
export interface CalendarSession {
  id: string
  title: string
  starts_at: string
  duration_minutes: number
  place: string
  cancelled_at: string | null
  organiser_name: string
  org_name: string
}

function utc(iso: string): [number, number, number, number, number] {
  const d = new Date(iso)
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
}

/**
 * One VCALENDAR with an event per session: title, time (UTC, so every calendar shows it in its
 * own zone), place, organiser (in the description), a link back to the session and an alarm an hour before — the
 * phone's calendar reminds the member with no network. `ics` is loaded only when asked for.
 */
export async function sessionsIcs(sessions: CalendarSession[], origin: string, alarm: string, organiserLabel: string): Promise<string> {
  const { createEvents } = await import('ics')
  const events: EventAttributes[] = sessions.map(s => ({
    uid: `${s.id}@xxdzz`,
    title: s.title,
    start: utc(s.starts_at),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { minutes: s.duration_minutes },
    location: s.place || undefined,
    // not ORGANIZER: it must be a mailto: address (RFC 5545), which we do not have, and `ics`
    // writes it without one, which ical.js (and strict calendars) refuse as a whole file
    description: `${organiserLabel}${s.organiser_name || s.org_name} · ${s.org_name}\n${origin}/sessions/${s.id}`,
    url: `${origin}/sessions/${s.id}`,
    status: s.cancelled_at ? 'CANCELLED' : 'CONFIRMED',
    productId: 'xxdzz/sessions',
    alarms: s.cancelled_at ? [] : [{ action: 'display', description: alarm, trigger: { hours: 1, before: true } }],
  }))
  const { error, value } = createEvents(events)
  if (error || !value)
    throw error ?? new Error('ics')
  return value
}

/** Hands the file to the browser (a download; the phone offers to open it in its calendar). */
export function downloadIcs(text: string, filename: string): void {
  saveFile(new Blob([text], { type: 'text/calendar;charset=utf-8' }), filename)
}
