import type { ImportRow } from '@/api/admin'

/**
 * Reads a roster file picked on the phone: .xlsx through exceljs (loaded only here), .csv by
 * the small parser below. Columns are found by their header (姓名/name, 手机号/phone,
 * 组织/org, 角色/role); without a header row they are taken in that order.
 */
export async function readRosterFile(file: File): Promise<ImportRow[]> {
  const table = /\.xlsx$/i.test(file.name) ? await readXlsx(file) : parseCsv(await file.text())
  return toRows(table)
}

const HEADERS: Record<keyof ImportRow, RegExp> = {
  name: /^(姓名|名字|name)$/i,
  phone: /^(手机|手机号|手机号码|电话|联系电话|phone|mobile)$/i,
  org: /^(组织|党组织|所在组织|支部|所在支部|org|organi[sz]ation|branch)$/i,
  role: /^(角色|职务|身份|role)$/i,
}

export function toRows(table: string[][]): ImportRow[] {
  const rows = table.filter(r => r.some(c => c.trim() !== ''))
  if (!rows.length)
    return []
  const head = rows[0]!.map(c => c.trim())
  const idx = Object.fromEntries(Object.entries(HEADERS).map(([k, re]) => [k, head.findIndex(h => re.test(h))])) as Record<keyof ImportRow, number>
  const hasHeader = idx.name >= 0 || idx.phone >= 0
  const col = hasHeader ? idx : { name: 0, phone: 1, org: 2, role: 3 }
  const cell = (r: string[], i: number) => (i >= 0 ? (r[i] ?? '') : '').trim()
  return (hasHeader ? rows.slice(1) : rows).map(r => ({
    name: cell(r, col.name),
    phone: cell(r, col.phone),
    org: cell(r, col.org),
    role: cell(r, col.role),
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

async function readXlsx(file: File): Promise<string[][]> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(await file.arrayBuffer())
  const ws = wb.worksheets[0]
  if (!ws)
    return []
  const out: string[][] = []
  ws.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = []
    for (let i = 1; i <= row.cellCount; i++) {
      const v = row.getCell(i).value
      // phone numbers typed into Excel arrive as numbers: keep every digit
      cells.push(typeof v === 'number' ? String(Math.round(v)) : row.getCell(i).text ?? '')
    }
    out.push(cells)
  })
  return out
}
