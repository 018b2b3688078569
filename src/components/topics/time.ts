import { bureauTime } from '@/modules/time'

type T = (key: string, named?: Record<string, unknown>) => string

/** "刚刚", "5 分钟前", "3 小时前", "昨天 14:05", "3 天前", then the date. */
export function relativeTime(iso: string, t: T, now = Date.now()): string {
  const d = bureauTime(iso)
  const mins = Math.floor((now - d.valueOf()) / 60_000)
  if (mins < 1)
    return t('topics.time.just_now')
  if (mins < 60)
    return t('topics.time.minutes', { n: mins })
  const n = bureauTime(now)
  if (d.isSame(n, 'day'))
    return t('topics.time.hours', { n: Math.floor(mins / 60) })
  if (d.isSame(n.subtract(1, 'day'), 'day'))
    return t('topics.time.yesterday', { time: d.format('HH:mm') })
  const days = n.startOf('day').diff(d.startOf('day'), 'day')
  if (days < 7)
    return t('topics.time.days', { n: days })
  return d.isSame(n, 'year') ? d.format('M/D') : d.format('YYYY/M/D')
}
