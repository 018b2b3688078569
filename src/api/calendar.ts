import type { CalendarSession } from '@/modules/calendar'
import { rpc } from './client'

/** My upcoming sessions (next 180 days, at most 100) for one .ics. */
export const myCalendar = () => rpc<CalendarSession[]>('my_calendar')
