import type { Page } from 'playwright-core'
import { waitForRpc } from '../support'

/** The 学习 tab: plans, a plan, a reading (checklist and notes), the reader, the progress view. */
export class Readings {
  constructor(readonly page: Page) {}

  planCard(id: string) { return this.page.locator(`[data-test="plan-card-${id}"] .van-cell`) }
  planReading(position: number) { return this.page.locator(`[data-test="plan-reading-${position}"]`) }
  section(position: number) { return this.page.locator(`[data-test="section-${position}"]`) }
  tickBox(position: number) { return this.page.locator(`[data-test="section-tick-${position}"]`) }
  get readerTitle() { return this.page.locator('[data-test="reader-title"]') }
  get readerText() { return this.page.locator('[data-test="reader-text"]') }
  get markRead() { return this.page.locator('[data-test="reader-mark-read"]') }
  get readDone() { return this.page.locator('[data-test="reader-read"]') }
  get noteBody() { return this.page.locator('[data-test="note-body"] textarea') }
  get offlineCopy() { return this.page.locator('[data-test="readings-offline-copy"]') }
  get pending() { return this.page.locator('[data-test="outbox-pending"]') }
  progressRow(name: string) { return this.page.locator(`[data-test="progress-row-${name}"]`) }

  /** Open the 学习 tab; resolves when plan_list answered. */
  async gotoPlans() {
    const answered = waitForRpc(this.page, 'plan_list')
    await this.page.locator('[data-test="tab-readings"]').click()
    return answered
  }

  async openPlan(id: string) {
    const answered = waitForRpc(this.page, 'plan_detail')
    await this.planCard(id).click()
    return answered
  }

  async openReading(position: number) {
    const answered = waitForRpc(this.page, 'reading_detail')
    await this.planReading(position).click()
    return answered
  }

  async openSection(position: number) {
    await this.section(position).click()
    await this.readerTitle.waitFor()
  }

  async writeNote(body: string, shared: boolean) {
    await this.noteBody.fill(body)
    if (shared)
      await this.page.locator('[data-test="note-branch"]').click()
    await this.page.locator('[data-test="note-save"]').click()
  }

  /** The secretary's progress view of a plan; resolves when plan_progress answered. */
  async gotoProgress(planId: string) {
    const answered = waitForRpc(this.page, 'plan_progress')
    await this.page.goto(`/readings/plans/${planId}/progress`)
    return answered
  }
}
