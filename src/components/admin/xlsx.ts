import type { Workbook } from 'exceljs'
import { saveFile, XLSX_TYPE } from '@/modules/download'

/**
 * Builds an .xlsx with exceljs (loaded only when a file is asked for) and hands it to the
 * phone as a download.
 */
export async function downloadWorkbook(fileName: string, build: (wb: Workbook) => void): Promise<void> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  build(wb)
  const buf = await wb.xlsx.writeBuffer()
  saveFile(new Blob([buf], { type: XLSX_TYPE }), fileName)
}
