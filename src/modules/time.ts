import dayjs from 'dayjs'
import timezone from 'dayjs/plugin/timezone'
import utc from 'dayjs/plugin/utc'

dayjs.extend(utc)
dayjs.extend(timezone)

/**
 * Every time the app shows, and every time typed into it, is on the bureau's clock, whatever the
 * phone's own zone: a phone left on UTC, or a secretary travelling, still sees a meeting at the
 * hour the county meets, and a session typed in for 14:00 is 14:00 in the county. The server
 * counts a date as that day in Asia/Shanghai too. Nothing outside this file formats or reads a
 * time with dayjs or Date's local-time methods.
 */
export const BUREAU_TZ = 'Asia/Shanghai'

export type Moment = string | number | Date

/** A moment (an ISO timestamp, a Date or ms; now when left out) on the bureau's clock. */
export function bureauTime(at?: Moment): dayjs.Dayjs {
  return dayjs(at).tz(BUREAU_TZ)
}

/** A moment as the bureau's clock shows it, in a dayjs format ('HH:mm', a locale's 'M/D HH:mm'). */
export function formatTime(at: Moment, format: string): string {
  return bureauTime(at).format(format)
}

/** Today's date in Asia/Shanghai, 'YYYY-MM-DD'. */
export function bureauToday(now: Moment = Date.now()): string {
  return formatTime(now, 'YYYY-MM-DD')
}

/**
 * A wall-clock time typed into a form ('YYYY-MM-DDTHH:mm' from a datetime-local input, or a date
 * 'YYYY-MM-DD'), read as that time in Asia/Shanghai.
 */
export function parseBureauTime(typed: string): dayjs.Dayjs {
  return dayjs.tz(typed, BUREAU_TZ)
}

/** A moment as a datetime-local input shows it, on the bureau's clock. */
export function toInputTime(at: Moment): string {
  return formatTime(at, 'YYYY-MM-DDTHH:mm')
}

/**
 * A calendar date ('YYYY-MM-DD': a plan's due date, a report's period) in a dayjs format. A date is
 * a day, not a moment: it has no zone to convert from.
 */
export function formatDate(day: string, format: string): string {
  return dayjs(day).format(format)
}

/** Days from today (Asia/Shanghai) to a calendar date: 0 today, negative once it has passed. */
export function daysFromToday(day: string, now: Moment = Date.now()): number {
  return dayjs(day).diff(dayjs(bureauToday(now)), 'day')
}

/** A calendar date `n` days from today (Asia/Shanghai), 'YYYY-MM-DD'. */
export function bureauDayFromToday(n: number, now: Moment = Date.now()): string {
  return dayjs(bureauToday(now)).add(n, 'day').format('YYYY-MM-DD')
}
