// Roster files keep the row numbers Excel shows; report periods are the bureau's calendar
// dates, with the school terms defined once.
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { bureauToday, monthLabel, periodRange, rangeProblem, termOf } from '@/components/admin/periods'
import { numbered, parseCsv, readRosterFile, toRows } from '@/components/admin/rosterFile'

describe('roster files: row numbers as Excel shows them', () => {
  it('a CSV with a header, a blank row and a quoted line break: each row keeps its Excel number', () => {
    const csv = '姓名,手机号,组织,角色\r\n甲,13900000001,,\r\n\r\n"乙\n(兼)",13900000002,,委员\r\n丙,13900000003,,\r\n'
    const rows = toRows(numbered(parseCsv(csv)))
    expect(rows.map(r => [r.name, r.line])).toEqual([['甲', 2], ['乙\n(兼)', 4], ['丙', 5]])
  })

  it('without a header row the first row is Excel row 1', () => {
    expect(toRows(numbered(parseCsv('甲,13900000001\n乙,13900000002\n'))).map(r => r.line)).toEqual([1, 2])
  })

  it('the optional 副校级以上干部 column is found by its header, wherever it stands, or fifth without a header', () => {
    const rows = toRows(numbered(parseCsv('副校级以上干部,姓名,手机号\n是,甲,13900000001\n,乙,13900000002\n')))
    expect(rows.map(r => [r.name, r.cadre])).toEqual([['甲', '是'], ['乙', '']])
    expect(toRows(numbered(parseCsv('Name,Phone,Cadre\nA,13900000001,yes\n')))[0]!.cadre).toBe('yes')
    expect(toRows(numbered(parseCsv('甲,13900000001,,,是\n')))[0]!.cadre).toBe('是')
  })

  it('an .xlsx keeps Excel\'s own row numbers, blank rows and all, and phone numbers typed as numbers', async () => {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('名单')
    ws.getCell('A1').value = '姓名'
    ws.getCell('B1').value = '手机号'
    ws.getCell('A3').value = '甲'
    ws.getCell('B3').value = 13900000001
    ws.getCell('A7').value = '乙'
    ws.getCell('B7').value = '139 0000 0002'
    const buf = await wb.xlsx.writeBuffer()
    const file = new File([buf], 'roster.xlsx')
    const rows = await readRosterFile(file)
    expect(rows).toEqual([
      { name: '甲', phone: '13900000001', org: '', role: '', cadre: '', line: 3 },
      { name: '乙', phone: '139 0000 0002', org: '', role: '', cadre: '', line: 7 },
    ])
  })
})

describe('report periods in Asia/Shanghai', () => {
  it('today is the bureau\'s date, whatever the phone\'s zone', () => {
    // 17:30 UTC on 31 Dec is already 1 Jan in Shanghai
    expect(bureauToday(new Date('2026-12-31T17:30:00Z'))).toBe('2027-01-01')
    expect(bureauToday(new Date('2026-12-31T15:59:00Z'))).toBe('2026-12-31')
  })

  it('terms: autumn 1 Sep – 31 Jan, spring 1 Feb – 31 Aug; every day in exactly one', () => {
    expect(termOf('2026-09-01')).toEqual({ from: '2026-09-01', to: '2027-01-31', autumn: true })
    expect(termOf('2027-01-31')).toEqual({ from: '2026-09-01', to: '2027-01-31', autumn: true })
    expect(termOf('2027-02-01')).toEqual({ from: '2027-02-01', to: '2027-08-31', autumn: false })
    expect(termOf('2027-08-31')).toEqual({ from: '2027-02-01', to: '2027-08-31', autumn: false })
    expect(termOf('2026-12-01').from).toBe('2026-09-01')
  })

  it('named periods run up to today', () => {
    expect(periodRange('term', '2026-12-01')).toEqual({ from: '2026-09-01', to: '2026-12-01' })
    expect(periodRange('term', '2027-01-15')).toEqual({ from: '2026-09-01', to: '2027-01-15' })
    expect(periodRange('month', '2026-12-01')).toEqual({ from: '2026-12-01', to: '2026-12-01' })
    expect(periodRange('year', '2026-12-01')).toEqual({ from: '2026-01-01', to: '2026-12-01' })
    expect(periodRange('last_year', '2026-12-01')).toEqual({ from: '2025-01-01', to: '2025-12-31' })
  })

  it('a custom range is refused before asking, with the server\'s keys', () => {
    expect(rangeProblem({ from: '2026-10-01', to: '2026-11-30' })).toBeNull()
    expect(rangeProblem({ from: '', to: '2026-11-30' })).toBe('period_required')
    expect(rangeProblem({ from: '2026-12-01', to: '2026-11-30' })).toBe('period_order')
    expect(rangeProblem({ from: '2024-01-01', to: '2026-11-30' })).toBe('period_too_long')
  })

  it('months are named, not numbered', () => {
    expect(monthLabel('2026-11', 'zh-CN')).toBe('11月')
    expect(monthLabel('2026-11', 'en')).toBe('Nov')
  })
})
