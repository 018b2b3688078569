import type { PlanProgress } from '@/api/readings'
import { XLSX_TYPE } from '@/modules/download'

export interface ExportLabels {
  sheet: string
  name: string
  org: string
  done: string
  total: string
  rate: string
  status: string
  complete: string
  incomplete: string
  /** header of a reading's column, e.g. "邓小平理论（已读/3）" */
  reading: (title: string, total: number) => string
}

/**
 * The progress view as an .xlsx workbook, built in the browser. exceljs is large, so it is
 * loaded only when a secretary exports.
 */
export async function progressWorkbook(p: PlanProgress, l: ExportLabels): Promise<Blob> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  wb.created = new Date()
  const ws = wb.addWorksheet(l.sheet.slice(0, 31), { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] })
  ws.columns = [
    { header: l.name, key: 'name', width: 16 },
    { header: l.org, key: 'org', width: 22 },
    ...p.readings.map((r, i) => ({ header: l.reading(r.title, r.total), key: `r${i}`, width: Math.min(30, 6 + r.title.length * 2) })),
    { header: l.done, key: 'done', width: 10 },
    { header: l.total, key: 'total', width: 10 },
    { header: l.rate, key: 'rate', width: 10, style: { numFmt: '0%' } },
    { header: l.status, key: 'status', width: 10 },
  ]
  for (const m of p.members) {
    ws.addRow({
      name: m.name,
      org: m.org_name,
      ...Object.fromEntries(m.cells.map((c, i) => [`r${i}`, c])),
      done: m.done,
      total: p.total,
      rate: p.total ? m.done / p.total : 0,
      status: m.done >= p.total ? l.complete : l.incomplete,
    })
  }
  ws.getRow(1).font = { bold: true }
  const buf = await wb.xlsx.writeBuffer()
  return new Blob([buf], { type: XLSX_TYPE })
}
