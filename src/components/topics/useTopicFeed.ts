import type { Ref } from 'vue'
import type { FeedCursor, Post, TopicDetail } from '@/api/topics'
import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { errorKey as toErrorKey } from '@/api/errors'
import { getPost, getTopic, markTopicRead, topicFeed, watchTopic } from '@/api/topics'

/** A reply queued in the outbox, shown greyed until the server has it. */
export type FeedPost = Post & { pending?: boolean }

const NEAR_BOTTOM_PX = 240
const PILL_PAGES_MAX = 20

function nearBottom(): boolean {
  const doc = document.documentElement
  return window.innerHeight + window.scrollY >= doc.scrollHeight - NEAR_BOTTOM_PX
}

/**
 * A topic's screen state: the topic, its replies paged oldest first (keyset cursor), live
 * updates from the topic's private channel, and the "N new replies" pill for a reader further up.
 */
export function useTopicFeed(topicId: Ref<string>) {
  const topic = shallowRef<TopicDetail | null>(null)
  const topicError = ref<string | null>(null)
  const items = ref<FeedPost[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const feedError = ref(false)
  /** replies that arrived while the member was reading further up */
  const newCount = ref(0)
  let cursor: FeedCursor | null = null
  let firstNewId: string | null = null
  let stop: (() => void) | null = null
  let readTimer: ReturnType<typeof setTimeout> | null = null

  function markRead() {
    if (readTimer)
      clearTimeout(readTimer)
    readTimer = setTimeout(() => void markTopicRead(topicId.value).catch(() => {}), 800)
  }

  async function loadTopic() {
    try {
      topic.value = await getTopic(topicId.value)
      topicError.value = null
    }
    catch (err) {
      topicError.value = toErrorKey(err)
    }
  }

  function upsert(post: FeedPost): boolean {
    const i = items.value.findIndex(p => p.id === post.id)
    if (i >= 0) {
      items.value[i] = post
      return false
    }
    items.value.push(post)
    return true
  }

  /** The next page after the last reply loaded (van-list's @load, and live catch-up). */
  async function loadMore(): Promise<string[]> {
    loading.value = true
    feedError.value = false
    const added: string[] = []
    try {
      const page = await topicFeed(topicId.value, cursor)
      for (const p of page.items) {
        if (upsert(p))
          added.push(p.id)
      }
      if (page.last)
        cursor = page.last
      finished.value = page.next === null
      if (added.length)
        markRead()
    }
    catch {
      feedError.value = true
    }
    finally {
      loading.value = false
    }
    return added
  }

  async function refresh() {
    items.value = []
    cursor = null
    finished.value = false
    newCount.value = 0
    await Promise.all([loadTopic(), loadMore()])
  }

  async function onPostCreated(postId: string) {
    if (items.value.some(p => p.id === postId))
      return
    if (!finished.value) {
      // the member has not reached the end yet: the reply comes with the pages they scroll to
      newCount.value++
      return
    }
    if (nearBottom()) {
      await loadMore()
      return
    }
    firstNewId ??= postId
    newCount.value++
  }

  async function onPostUpdated(postId: string) {
    const i = items.value.findIndex(p => p.id === postId)
    if (i >= 0) {
      const post = await getPost(postId).catch(() => null)
      if (post)
        items.value[i] = post
    }
    if (topic.value?.pinned.some(p => p.id === postId) || topic.value?.summary?.id === postId || i < 0)
      void loadTopic()
  }

  /** The pill: bring in what arrived and scroll to the first of it. */
  async function showNew() {
    const target = firstNewId
    let added: string[] = []
    for (let i = 0; i < PILL_PAGES_MAX && (!finished.value || i === 0); i++) {
      added = added.concat(await loadMore())
      if (finished.value)
        break
    }
    newCount.value = 0
    firstNewId = null
    const id = target ?? added[0]
    if (id)
      document.getElementById(`post-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'start' })
  }

  function watchLive() {
    stop?.()
    stop = watchTopic(topicId.value, (e) => {
      if (e.event === 'post_created')
        void onPostCreated(e.post_id)
      else if (e.event === 'post_updated')
        void onPostUpdated(e.post_id)
      else
        void loadTopic()
    })
  }

  function onScroll() {
    if (newCount.value && finished.value && nearBottom() && !loading.value) {
      newCount.value = 0
      firstNewId = null
      void loadMore()
    }
  }

  // a reply queued offline reached the server: swap the greyed copy for the real one
  function onSent(e: Event) {
    const post = (e as CustomEvent<Post>).detail
    if (post?.topic_id === topicId.value)
      upsert(post)
  }

  onMounted(() => {
    void loadTopic()
    watchLive()
    markRead()
    window.addEventListener('scroll', onScroll, { passive: true })
    window.addEventListener('topics:post-sent', onSent)
  })
  onBeforeUnmount(() => {
    stop?.()
    window.removeEventListener('scroll', onScroll)
    window.removeEventListener('topics:post-sent', onSent)
    if (readTimer)
      clearTimeout(readTimer)
  })

  return { topic, topicError, items, loading, finished, feedError, newCount, loadMore, loadTopic, refresh, showNew, upsert }
}
