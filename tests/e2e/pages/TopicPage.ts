import type { Locator, Page } from 'playwright-core'
import { waitForRpc } from '../support'

/** A discussion topic: its replies, the composer, the sheets. */
export class TopicPage {
  constructor(readonly page: Page) {}

  get posts() { return this.page.locator('[data-test="post"]') }
  get input() { return this.page.locator('[data-test="composer-input"] textarea') }
  get send() { return this.page.locator('[data-test="composer-send"]') }
  get pill() { return this.page.locator('[data-test="new-pill"]') }
  get offlineCopy() { return this.page.locator('[data-test="topic-offline-copy"]') }
  get counter() { return this.page.locator('[data-test="composer-count"]') }
  get tooLong() { return this.page.locator('[data-test="composer-too-long"]') }

  /** Whether the element is fully on screen, clear of the reply bar at the bottom. */
  static async inView(el: Locator): Promise<boolean> {
    return el.evaluate((node) => {
      const r = node.getBoundingClientRect()
      const bar = document.querySelector('[data-test="composer"]')?.getBoundingClientRect().top ?? window.innerHeight
      return r.top >= 0 && r.top < bar && r.height > 0
    })
  }

  /** Like count shown on a reply's 赞同 button. */
  async likeCount(text: string): Promise<number> {
    const label = await this.post(text).locator('[data-test="post-like"]').textContent()
    return Number(label?.match(/\d+/)?.[0] ?? 0)
  }

  /**
   * Resolves once this page has joined the realtime channel (e.g. `topic:<id>`), read from the
   * socket's frames: call it before the page opens the channel.
   */
  joined(channel: string): Promise<void> {
    return new Promise((resolve) => {
      this.page.on('websocket', (socket) => {
        socket.on('framereceived', ({ payload }) => {
          const text = typeof payload === 'string' ? payload : payload.toString()
          if (text.includes(`realtime:${channel}"`) && text.includes('phx_reply') && text.includes('"ok"'))
            resolve()
        })
      })
    })
  }

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
