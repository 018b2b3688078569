import type { Workbook } from 'exceljs'

/**
 * Builds an .xlsx with exceljs (loaded only when a file is asked for) and hands it to the
 * phone as a download.
 */
export async function downloadWorkbook(fileName: string, build: (wb: Workbook) => void): Promise<void> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  build(wb)
  const buf = await wb.xlsx.writeBuffer()
  const url = URL.createObjectURL(new Blob([buf], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
