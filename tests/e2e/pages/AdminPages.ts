import type { Page } from 'playwright-core'
import { waitForRpc } from '../support'

/** The management screens (src/pages/admin). */
export class AdminPages {
  constructor(readonly page: Page) {}

  t(id: string) { return this.page.locator(`[data-test="${id}"]`) }

  async openOrgs() {
    const answered = waitForRpc(this.page, 'org_tree')
    await this.page.goto('/admin/orgs')
    await answered
    await this.t('org-tree').waitFor()
  }

  /** Create a sub-organisation through the tree's action sheet; resolves when org_create answered. */
  async createOrg(parentName: string, name: string, kind: string) {
    await this.t(`org-${parentName}`).click()
    await this.page.locator('[data-test="org-actions"] .van-action-sheet__item').first().click()
    await this.page.locator('[data-test="org-name"] input').fill(name)
    await this.t(`org-kind-${kind}`).click()
    const answered = waitForRpc(this.page, 'org_create')
    await this.t('org-submit').click()
    return answered
  }

  async openImport(orgId: string) {
    const answered = waitForRpc(this.page, 'org_tree')
    await this.page.goto(`/admin/import?org=${orgId}`)
    await answered
    await this.t('import-format').waitFor()
  }

  /** Pick a roster file; resolves when the server check answered. */
  async pickFile(name: string, content: string) {
    const answered = waitForRpc(this.page, 'roster_import_check')
    await this.t('import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') })
    return answered
  }

  /** Import the good rows as they are; resolves with the roster_import answer. */
  async importGoodRows() {
    const answered = waitForRpc(this.page, 'roster_import')
    await this.t('import-save').click()
    const res = await answered
    await this.t('import-done').waitFor()
    return res
  }

  /** Tap a download button and return the file it gave (name and bytes). */
  async download(button: string) {
    const [file] = await Promise.all([this.page.waitForEvent('download'), this.t(button).click()])
    const stream = await file.createReadStream()
    const chunks: Buffer[] = []
    for await (const c of stream)
      chunks.push(c as Buffer)
    return { name: file.suggestedFilename(), bytes: Buffer.concat(chunks) }
  }

  async fixRow(row: number, field: 'name' | 'phone' | 'org' | 'role', value: string) {
    await this.t(`import-bad-row-${row}`).click()
    await this.page.locator(`[data-test="import-edit-${field}"] input`).fill(value)
    await this.t('import-edit-save').click()
    await this.t('import-row-editor').waitFor({ state: 'hidden' })
  }

  async openInvites(orgId: string) {
    const answered = waitForRpc(this.page, 'invite_list')
    await this.page.goto(`/admin/invites?org=${orgId}`)
    await answered
  }

  async createInvite() {
    await this.t('invite-new').click()
    const answered = waitForRpc(this.page, 'invite_create')
    await this.t('invite-create').click()
    await answered
    await this.t('invite-qr').waitFor()
    return (await this.t('invite-code').textContent())!.trim()
  }

  async openRoster(orgId: string) {
    const answered = waitForRpc(this.page, 'roster')
    await this.page.goto(`/admin/roster?org=${orgId}`)
    await answered
    await this.t('roster-list').waitFor()
  }

  /** 我的, where invitations from another organisation's roster wait; resolves when they were read. */
  async openMe() {
    const answered = waitForRpc(this.page, 'my_roster_requests')
    await this.page.goto('/me')
    await answered
    await this.t('me-page').waitFor()
  }

  /** Accept (or decline) the invitation of one organisation; resolves with the answer. */
  async answerRequest(orgId: string, accept: boolean) {
    const card = this.t(`roster-request-${orgId}`)
    const answered = waitForRpc(this.page, 'roster_request_answer')
    await card.locator(`[data-test="roster-request-${accept ? 'accept' : 'decline'}"]`).click()
    if (!accept)
      await this.page.locator('.van-dialog__confirm').click()
    const res = await answered
    await card.waitFor({ state: 'detached' })
    return res
  }

  /** Choose a report period from the menu (its label as shown). */
  async choosePeriod(label: string) {
    await this.page.locator('.admin-reports__period .van-dropdown-menu__item').click()
    await this.page.locator('.van-dropdown-item__option', { hasText: label }).click()
  }

  /** Enter a custom period and apply it; resolves with the report request it made. */
  async applyRange(from: string, to: string, rpcName = 'report_org') {
    await this.page.locator('[data-test="report-from"] input').fill(from)
    await this.page.locator('[data-test="report-to"] input').fill(to)
    const answered = waitForRpc(this.page, rpcName)
    await this.t('report-range-apply').click()
    return answered
  }

  async openReports(orgId: string) {
    const answered = waitForRpc(this.page, 'report_org')
    await this.page.goto(`/admin/reports?org=${orgId}`)
    await answered
    await this.t('report-charts').waitFor()
  }
}
