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

  async openReports(orgId: string) {
    const answered = waitForRpc(this.page, 'report_org')
    await this.page.goto(`/admin/reports?org=${orgId}`)
    await answered
    await this.t('report-charts').waitFor()
  }
}
