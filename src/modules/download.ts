export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/**
 * Hands a file made on the phone to the browser as a download (a spreadsheet, a calendar file the
 * phone offers to open in its calendar, a Word document). The link is put in the page for the
 * click, which some browsers need; the blob's URL is freed once the download has had time to begin.
 */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
