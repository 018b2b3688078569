import type { Report, ReportOrg } from '@/api/admin'
import { studyHours as hours } from './studyHours'
import { downloadWorkbook } from './xlsx'

type T = (key: string, named?: Record<string, unknown>) => string

/** `opens`: per row, the organisation a tap on its name opens (the rows below the root), else null */
export interface Table { key: string, title: string, head: string[], rows: (string | number)[][], opens?: (string | null)[] }

const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : 0)
const indent = (o: ReportOrg) => `${'\u3000'.repeat(o.depth)}${o.name}`

/** The report as plain tables: shown on the screen and written to .xlsx, the same numbers. */
export function reportTables(r: Report, t: T): Table[] {
  const kinds = [...new Set(r.orgs.flatMap(o => o.attendance.map(a => a.kind)))].sort()
  const opens = r.orgs.map(o => (o.depth > 0 ? o.id : null))
  const byOrg = (tb: Table): Table => ({ ...tb, opens })
  return [
    byOrg({
      key: 'members',
      title: t('admin.reports.t_members'),
      head: [t('admin.org'), t('admin.reports.members'), t('admin.reports.pending'), t('admin.reports.signed_up_pct')],
      rows: r.orgs.map(o => [indent(o), o.members, o.pending, pct(o.members, o.members + o.pending)]),
    }),
    byOrg({
      key: 'reading',
      title: t('admin.reports.t_reading'),
      head: [t('admin.org'), ...r.plans.map(p => p.title), t('admin.reports.overall')],
      rows: r.orgs.map(o => [indent(o), ...r.plans.map((p) => {
        const x = o.reading.find(y => y.plan_id === p.id)
        return x ? pct(x.done, x.total) : '—'
      }), pct(o.read_done, o.read_total)]),
    }),
    byOrg({
      key: 'attendance',
      title: t('admin.reports.t_attendance'),
      head: [t('admin.org'), ...kinds.map(k => t(`admin.reports.kinds.${k}`)), t('admin.reports.overall')],
      rows: r.orgs.map(o => [indent(o), ...kinds.map((k) => {
        const a = o.attendance.find(y => y.kind === k)
        return a ? pct(a.attended, a.expected) : '—'
      }), pct(o.attended, o.expected)]),
    }),
    byOrg({
      key: 'discussion',
      title: t('admin.reports.t_discussion'),
      head: [t('admin.org'), t('admin.reports.posters'), t('admin.reports.posters_pct'), t('admin.reports.posts')],
      rows: r.orgs.map(o => [indent(o), o.posters, pct(o.posters, o.members), o.posts]),
    }),
    {
      key: 'topics',
      title: t('admin.reports.t_topics'),
      head: [t('admin.reports.topic'), t('admin.reports.posts'), t('admin.reports.posters')],
      rows: r.topics.map(x => [x.title, x.posts, x.posters]),
    },
    byOrg({
      key: 'hours',
      title: t('admin.reports.t_hours'),
      head: [t('admin.org'), t('admin.reports.session_hours'), t('admin.reports.reading_hours'), t('admin.reports.total_hours'), t('admin.reports.avg_hours')],
      rows: r.orgs.map(o => [indent(o), hours(o.session_minutes), hours(o.reading_minutes), hours(o.session_minutes + o.reading_minutes), o.members ? hours((o.session_minutes + o.reading_minutes) / o.members) : 0]),
    }),
  ]
}

/** Every table as one sheet of an .xlsx file. */
export function downloadXlsx(tables: Table[], fileName: string): Promise<void> {
  return downloadWorkbook(fileName, (wb) => {
    for (const tb of tables) {
      // sheet names: at most 31 characters, none of : \ / ? * [ ]
      const ws = wb.addWorksheet(tb.title.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31))
      ws.addRow(tb.head).font = { bold: true }
      for (const row of tb.rows)
        ws.addRow(row.map(c => (typeof c === 'string' ? c.replace(/^\u3000+/, m => '  '.repeat(m.length)) : c)))
      ws.getColumn(1).width = 32
      ws.views = [{ state: 'frozen', ySplit: 1, xSplit: 1 }]
    }
  })
}
