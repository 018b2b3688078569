import dayjs from 'dayjs'
import { bureauToday } from '@/modules/time'

/**
 * Report periods, as calendar dates in the bureau's time zone (Asia/Shanghai) whatever the
 * phone's own zone: a secretary travelling, or a phone left on UTC, reports on the county's
 * days. All dates are 'YYYY-MM-DD'; the server counts a date as that day in Asia/Shanghai.
 */
export { BUREAU_TZ, bureauToday } from '@/modules/time'

export type Period = 'term' | 'month' | 'year' | 'last_year' | 'custom'
export const PERIODS: Period[] = ['term', 'month', 'year', 'last_year', 'custom']

export interface Range { from: string, to: string }

const fmt = (d: dayjs.Dayjs) => d.format('YYYY-MM-DD')

/**
 * The school term a date falls in. A Chinese school year runs from September: the autumn
 * term (第一学期) from 1 September to 31 January, the spring term (第二学期) from 1 February
 * to 31 August — the summer holiday counted with the spring term, so that every day belongs
 * to exactly one term. This is the one place that says so.
 */
export function termOf(date: string): Range & { autumn: boolean } {
  const d = dayjs(date)
  const y = d.year()
  const m = d.month() + 1
  if (m >= 9)
    return { from: `${y}-09-01`, to: `${y + 1}-01-31`, autumn: true }
  if (m === 1)
    return { from: `${y - 1}-09-01`, to: `${y}-01-31`, autumn: true }
  return { from: `${y}-02-01`, to: `${y}-08-31`, autumn: false }
}

/** A named period up to today (nothing after today has happened yet). */
export function periodRange(p: Exclude<Period, 'custom'>, today = bureauToday()): Range {
  const d = dayjs(today)
  switch (p) {
    case 'term': return { from: termOf(today).from, to: today }
    case 'month': return { from: fmt(d.startOf('month')), to: today }
    case 'last_year': return { from: fmt(d.subtract(1, 'year').startOf('year')), to: fmt(d.subtract(1, 'year').endOf('year')) }
    default: return { from: fmt(d.startOf('year')), to: today }
  }
}

/** The server refuses longer periods (app.check_period); the form says so before it asks. */
export const MAX_PERIOD_DAYS = 731

export function rangeProblem(r: Range): 'period_required' | 'period_order' | 'period_too_long' | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.from) || !/^\d{4}-\d{2}-\d{2}$/.test(r.to))
    return 'period_required'
  if (r.from > r.to)
    return 'period_order'
  if (dayjs(r.to).diff(dayjs(r.from), 'day') > MAX_PERIOD_DAYS)
    return 'period_too_long'
  return null
}

/** 'YYYY-MM' as the locale names a month: "11月", "Nov". */
export function monthLabel(month: string, locale: string): string {
  const [y, m] = month.split('-').map(Number)
  return new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }).format(Date.UTC(y!, (m ?? 1) - 1, 15))
}
