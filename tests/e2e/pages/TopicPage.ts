import type { Locator, Page } from 'playwright-core'
import { waitForRpc } from '../support'

/** A discussion topic: its replies, the composer, the sheets. */
export class TopicPage {
  constructor(readonly page: Page) {}

  get posts() { return this.page.locator('[data-test="post"]') }
  get input() { return this.page.locator('[data-test="composer-input"] textarea') }
  get send() { return this.page.locator('[data-test="composer-send"]') }
  get pill() { return this.page.locator('[data-test="new-pill"]') }

  /** The reply whose own words contain the text (not one that merely quotes it). */
  post(text: string): Locator {
    return this.posts.filter({ has: this.page.locator('[data-test="post-body"]', { hasText: text }) })
  }

  /** Opens the topic and waits for the first page of replies. */
  async goto(topicId: string) {
    const feed = waitForRpc(this.page, 'topic_feed')
    await this.page.goto(`/topics/${topicId}`)
    await feed
    await this.page.locator('[data-test="post-list"]').waitFor()
  }

  async write(text: string) {
    await this.input.fill(text)
  }

  /** Sends what is in the composer; resolves with the RPC's answer. */
  async submit() {
    const answered = waitForRpc(this.page, 'topic_post_create')
    await this.send.click()
    return answered
  }

  async postAction(text: string, action: 'quote' | 'edit' | 'delete' | 'pin' | 'unpin' | 'hide' | 'unhide') {
    await this.post(text).locator('[data-test="post-more"]').click()
    await this.page.locator(`.post-action-${action}`).click()
  }

  async hide(text: string, reason: string) {
    await this.postAction(text, 'hide')
    await this.page.locator('[data-test="text-dialog-input"] textarea').fill(reason)
    const answered = waitForRpc(this.page, 'topic_post_moderate')
    await this.page.locator('[data-test="text-dialog"] .van-dialog__confirm').click()
    return answered
  }
}
