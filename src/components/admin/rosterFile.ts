import type { Workbook } from 'exceljs'
import type { ImportRow } from '@/api/admin'
import { downloadWorkbook } from './xlsx'

/**
 * Reads a roster file picked on the phone: .xlsx through exceljs (loaded only here), .csv by
 * the small parser below. Columns are found by their header (姓名/name, 手机号/phone,
 * 组织/org, 角色/role, and the optional 副校级以上干部/cadre); without a header row they are
 * taken in that order. Each row keeps
 * the number Excel shows beside it (header = 1, blank rows counted), so "第 N 行" on the
 * screen is the row the secretary finds in the file.
 */
export async function readRosterFile(file: File): Promise<ImportRow[]> {
  const table = /\.xlsx$/i.test(file.name) ? await readXlsx(file) : numbered(parseCsv(await file.text()))
  return toRows(table)
}

/** A row of the file with the number Excel shows for it. */
export interface Line { line: number, cells: string[] }

/** CSV records are Excel's rows, one each, from 1. */
export function numbered(table: string[][]): Line[] {
  return table.map((cells, i) => ({ line: i + 1, cells }))
}

type Column = 'name' | 'phone' | 'org' | 'role' | 'cadre'
const HEADERS: Record<Column, RegExp> = {
  name: /^(姓名|名字|name)$/i,
  phone: /^(手机|手机号|手机号码|电话|联系电话|phone|mobile)$/i,
  org: /^(组织|党组织|所在组织|支部|所在支部|org|organi[sz]ation|branch)$/i,
  role: /^(角色|职务|身份|role)$/i,
  cadre: /^(副校级以上干部|副校级以上|副校级及以上干部|校级干部|干部|cadre)$/i,
}

export function toRows(table: Line[]): ImportRow[] {
  const rows = table.filter(r => r.cells.some(c => c.trim() !== ''))
  if (!rows.length)
    return []
  const head = rows[0]!.cells.map(c => c.trim())
  const idx = Object.fromEntries(Object.entries(HEADERS).map(([k, re]) => [k, head.findIndex(h => re.test(h))])) as Record<Column, number>
  const hasHeader = idx.name >= 0 || idx.phone >= 0
  const col = hasHeader ? idx : { name: 0, phone: 1, org: 2, role: 3, cadre: 4 }
  const cell = (r: string[], i: number) => (i >= 0 ? (r[i] ?? '') : '').trim()
  return (hasHeader ? rows.slice(1) : rows).map(r => ({
    name: cell(r.cells, col.name),
    phone: cell(r.cells, col.phone),
    org: cell(r.cells, col.org),
    role: cell(r.cells, col.role),
    cadre: cell(r.cells, col.cadre),
    line: r.line,
  }))
}

/** RFC 4180 CSV (quotes, doubled quotes, CRLF), a BOM tolerated, tab-separated files too. */
export function parseCsv(text: string): string[][] {
  const src = text.replace(/^\uFEFF/, '')
  const firstLine = src.split(/\r?\n/, 1)[0] ?? ''
  const sep = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : (firstLine.includes('，') && !firstLine.includes(',') ? '，' : ',')
  const out: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"'
        i++
      }
      else if (c === '"') {
        quoted = false
      }
      else {
        field += c
      }
    }
    else if (c === '"' && field === '') {
      quoted = true
    }
    else if (c === sep) {
      row.push(field)
      field = ''
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n')
        i++
      row.push(field)
      out.push(row)
      row = []
      field = ''
    }
    else {
      field += c
    }
  }
  if (field !== '' || row.length) {
    row.push(field)
    out.push(row)
  }
  return out
}

async function readXlsx(file: File): Promise<Line[]> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(await file.arrayBuffer())
  const ws = wb.worksheets[0]
  if (!ws)
    return []
  const out: Line[] = []
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    const cells: string[] = []
    for (let i = 1; i <= row.cellCount; i++) {
      const v = row.getCell(i).value
      // phone numbers typed into Excel arrive as numbers: keep every digit
      cells.push(typeof v === 'number' ? String(Math.round(v)) : row.getCell(i).text ?? '')
    }
    out.push({ line, cells })
  })
  return out
}

type T = (key: string, named?: Record<string, unknown>) => string

/** The five columns, headed as the reader above finds them, in the secretary's language. */
const columns = (t: T) => [t('admin.import.col_name'), t('admin.import.col_phone'), t('admin.import.col_org'), t('admin.import.col_role'), t('admin.import.col_cadre')]

function rosterSheet(wb: Workbook, name: string, head: string[]) {
  const ws = wb.addWorksheet(name)
  ws.addRow(head).font = { bold: true }
  ws.columns.forEach((c, i) => {
    c.width = i === 2 ? 28 : 16
  })
  // a phone typed into a number column loses nothing, but Excel shows 1.38E+10: keep it text
  ws.getColumn(2).numFmt = '@'
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  return ws
}

/** An empty roster to fill in, with one example row. */
export function downloadTemplate(t: T): Promise<void> {
  return downloadWorkbook(`${t('admin.import.template_file')}.xlsx`, (wb) => {
    const ws = rosterSheet(wb, t('admin.import.title'), columns(t))
    ws.addRow([t('admin.import.example_name'), '13800000000', t('admin.import.example_org'), t('common.role.member'), t('admin.import.cadre_no')])
  })
}

/**
 * The rows that were not imported, as the same five columns (fix them and import this file
 * again), with the row number they had in the original file and why they were left out.
 */
export function downloadBadRows(t: T, fileName: string, rows: ImportRow[], bad: { index: number, row: number, errors: string[] }[]): Promise<void> {
  const base = fileName.replace(/\.(xlsx|csv)$/i, '') || t('admin.import.title')
  return downloadWorkbook(`${base}_${t('admin.import.bad_file')}.xlsx`, (wb) => {
    const ws = rosterSheet(wb, t('admin.import.bad_file'), [...columns(t), t('admin.import.col_line'), t('admin.import.col_reason')])
    ws.getColumn(7).width = 40
    for (const b of bad) {
      const r = rows[b.index]
      ws.addRow([r?.name ?? '', r?.phone ?? '', r?.org ?? '', r?.role ?? '', r?.cadre ?? '', b.row, b.errors.map(e => t(`admin.import.err.${e}`)).join('；')])
    }
  })
}
