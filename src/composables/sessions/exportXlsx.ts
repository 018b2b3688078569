import type { Sheet, Summary } from '@/api/sessions'
import { saveFile, XLSX_TYPE } from '@/modules/download'
import { formatTime } from '@/modules/time'

type T = (key: string, named?: Record<string, unknown>) => string

function download(buffer: ArrayBuffer, name: string) {
  saveFile(new Blob([buffer], { type: XLSX_TYPE }), name)
}

const time = (s: string | null) => (s ? formatTime(s, 'YYYY/M/D HH:mm:ss') : '')
const pct = (r: number | null) => (r === null ? '' : `${(r * 100).toFixed(1)}%`)

/** The sign-in sheet of one session as .xlsx, headers in Chinese (exceljs is loaded only here). */
export async function exportSheet(sheet: Sheet, title: string, t: T): Promise<void> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('签到表')
  ws.addRow(['姓名', '所在组织', '状态', '签到时间', '方式', '请假事由', '补签原因', '补签人'])
  for (const r of sheet.rows) {
    ws.addRow([r.display_name, r.org_name, t(`sessions.status.${r.status}`), time(r.checked_at), r.method ? t(`sessions.method.${r.method}`) : '', r.leave?.reason ?? '', r.reason ?? '', r.marked_by_name ?? ''])
  }
  ws.getRow(1).font = { bold: true }
  ws.columns.forEach((c) => {
    c.width = 16
  })
  download(await wb.xlsx.writeBuffer() as ArrayBuffer, `${title}-签到表.xlsx`)
}

/** The period summary (per organisation and per member) as .xlsx. */
export async function exportSummary(s: Summary, t: T): Promise<void> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  const head = ['应到', '出席', '迟到', '请假', '缺席', '出勤率']
  const nums = (r: Summary['orgs'][number] | Summary['members'][number]) => [r.expected, r.present, r.late, r.excused, r.absent, pct(r.rate)]
  const orgs = wb.addWorksheet('按组织')
  orgs.addRow(['组织', ...head])
  s.orgs.forEach(o => orgs.addRow([o.name, ...nums(o)]))
  const members = wb.addWorksheet('按党员')
  members.addRow(['姓名', '所在组织', ...head])
  s.members.forEach(m => members.addRow([m.display_name, m.org_name, ...nums(m)]))
  for (const ws of [orgs, members]) {
    ws.getRow(1).font = { bold: true }
    ws.addRow([])
    ws.addRow([t('sessions.rates.formula_text')])
    ws.columns.forEach((c) => {
      c.width = 14
    })
  }
  download(await wb.xlsx.writeBuffer() as ArrayBuffer, `出勤统计-${s.from}至${s.to}.xlsx`)
}
