import type { Ref } from 'vue'
import type { FeedCursor, NewPost, Post, TopicDetail } from '@/api/topics'
import type { LoadState } from '@/composables/useAsyncState'
import { computed, nextTick, onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { errorKey as toErrorKey } from '@/api/errors'
import { getPost, getTopic, markTopicRead, topicFeed, watchTopic } from '@/api/topics'
import { pendingPost } from '@/components/topics/pendingPost'
import { outbox } from '@/offline/outbox'
import { cachedFeedPage, cachedTopic } from '@/offline/topics-cache'
import { useSessionStore } from '@/stores/session'

/** A reply queued in the outbox, shown greyed until the server has it. */
export type FeedPost = Post & { pending?: boolean }

const NEAR_BOTTOM_PX = 240
const PILL_PAGES_MAX = 20

function nearBottom(): boolean {
  const doc = document.documentElement
  return window.innerHeight + window.scrollY >= doc.scrollHeight - NEAR_BOTTOM_PX
}

/** Thread order: oldest first, ties by id (the feed's keyset order). */
function before(a: Post, b: Post): boolean {
  return a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id)
}

/** Put a post in its place in a sorted list (replacing the copy with the same id). */
function place(list: FeedPost[], post: FeedPost): boolean {
  const i = list.findIndex(p => p.id === post.id)
  if (i >= 0) {
    list[i] = post
    return false
  }
  let at = list.length
  while (at > 0 && before(post, list[at - 1]!))
    at--
  list.splice(at, 0, post)
  return true
}

/**
 * A topic's screen state: the topic, its replies paged oldest first (keyset cursor), live
 * updates from the topic's private channel, and the "N new replies" pill for a reader further up.
 *
 * `items` are the replies read so far, from the start without gaps. A reply of my own lands at
 * the thread's end, which may lie beyond what is loaded: it is kept in `ahead` (shown after the
 * list, the pages between still to load) until the pages reach it, so it is always on screen and
 * scrolled to — also while it waits in the outbox. Opened threads are answered from the phone's
 * copy when there is no network (`offline`).
 */
export function useTopicFeed(topicId: Ref<string>) {
  const session = useSessionStore()
  const me = () => ({ id: session.userId ?? '', name: session.displayName, school: session.profile?.school ?? null })
  const topic = shallowRef<TopicDetail | null>(null)
  const topicError = ref<string | null>(null)
  // not useAsyncState: the topic shares `offline` with the pages, and live posts rewrite it (upsert);
  // its state for CommonLoadState
  const topicState = computed<LoadState>(() => topic.value ? 'done' : topicError.value ? 'error' : 'loading')
  const items = ref<FeedPost[]>([])
  const ahead = ref<FeedPost[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const feedError = ref(false)
  const offline = ref(false)
  /** replies that arrived while the member was reading further up */
  const newCount = ref(0)
  let cursor: FeedCursor | null = null
  let firstNewId: string | null = null
  let stop: (() => void) | null = null
  let stopSent: (() => void) | null = null
  let readTimer: ReturnType<typeof setTimeout> | null = null

  function markRead() {
    if (readTimer)
      clearTimeout(readTimer)
    readTimer = setTimeout(() => void markTopicRead(topicId.value).catch(() => {}), 800)
  }

  async function loadTopic() {
    topicError.value = null
    try {
      const r = await cachedTopic(topicId.value, () => getTopic(topicId.value))
      topic.value = r.value
      offline.value = r.offline
      topicError.value = null
    }
    catch (err) {
      topicError.value = toErrorKey(err)
    }
  }

  /** A post anywhere on screen (loaded pages, my replies ahead, 精华, 讨论成果) gets the new copy. */
  function upsert(post: FeedPost): boolean {
    const t = topic.value
    if (t && (t.summary?.id === post.id || t.pinned.some(p => p.id === post.id))) {
      topic.value = {
        ...t,
        summary: t.summary?.id === post.id ? { ...t.summary, ...post } : t.summary,
        pinned: t.pinned.map(p => p.id === post.id ? { ...p, ...post } : p),
      }
    }
    const j = ahead.value.findIndex(p => p.id === post.id)
    if (j >= 0) {
      ahead.value[j] = post
      return false
    }
    const last = items.value.at(-1)
    if (!finished.value && !items.value.some(p => p.id === post.id) && (!last || before(last, post))) {
      // past what is loaded: it waits ahead rather than leaving a gap in the list
      place(ahead.value, post)
      return true
    }
    return place(items.value, post)
  }

  /** Bring a post into view once it is rendered (centred: clear of the reply bar; a jump, not a glide, so it is there at once). */
  async function reveal(postId: string, behavior: ScrollBehavior = 'auto') {
    await nextTick()
    document.getElementById(`post-${postId}`)?.scrollIntoView({ behavior, block: 'center' })
  }

  /**
   * My reply just sent: kept in view while the pages before it load in above it (they would push
   * it down), until the member scrolls by hand.
   */
  let following: string | null = null
  const stopFollowing = () => {
    following = null
  }

  /** My own reply (sent, or queued offline): shown wherever it lands, and scrolled to. */
  async function showOwn(post: FeedPost) {
    upsert(post)
    following = post.id
    await reveal(post.id)
  }

  /** The next page after the last reply loaded (van-list's @load, and live catch-up). */
  async function loadMore(): Promise<string[]> {
    loading.value = true
    feedError.value = false
    const added: string[] = []
    try {
      const after = cursor
      const { value: page, offline: fromCopy } = await cachedFeedPage(topicId.value, after, () => topicFeed(topicId.value, after))
      offline.value = fromCopy
      for (const p of page.items) {
        // the pages reached a reply of mine shown ahead: it moves into the list
        ahead.value = ahead.value.filter(a => a.id !== p.id)
        if (place(items.value, p))
          added.push(p.id)
      }
      if (page.last)
        cursor = page.last
      finished.value = page.next === null
      if (finished.value) {
        for (const p of ahead.value.splice(0))
          place(items.value, p)
      }
      if (added.length && !fromCopy)
        markRead()
      if (added.length && following)
        void reveal(following)
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
    ahead.value = []
    cursor = null
    finished.value = false
    newCount.value = 0
    await Promise.all([loadTopic(), loadMore()])
    await showQueued()
  }

  /** Replies written here that still wait in the outbox (e.g. after a reload offline). */
  async function showQueued() {
    const queued = await outbox.queued('topics.post', session.userId).catch(() => [] as NewPost[])
    for (const p of queued.filter(q => q.topic_id === topicId.value))
      upsert(pendingPost(p, me()))
  }

  function isShown(postId: string) {
    return items.value.some(p => p.id === postId) || ahead.value.some(p => p.id === postId)
  }

  async function onPostCreated(postId: string) {
    if (isShown(postId))
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
    const shown = isShown(postId)
    if (shown) {
      const post = await getPost(postId).catch(() => null)
      if (post)
        upsert(post)
    }
    if (topic.value?.pinned.some(p => p.id === postId) || topic.value?.summary?.id === postId || !shown)
      void loadTopic()
  }

  /** Someone's 赞同 changed a count: every copy of that post on screen shows it (mine stays mine). */
  function onLiked(postId: string, likeCount: number) {
    const all = [...items.value, ...ahead.value, ...(topic.value?.pinned ?? []), ...(topic.value?.summary ? [topic.value.summary] : [])]
    const post = all.find(p => p.id === postId)
    if (post && post.like_count !== likeCount)
      upsert({ ...post, like_count: likeCount })
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
      else if (e.event === 'post_liked')
        onLiked(e.post_id, e.like_count)
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

  onMounted(() => {
    void loadTopic()
    watchLive()
    markRead()
    void showQueued()
    window.addEventListener('scroll', onScroll, { passive: true })
    for (const e of ['touchstart', 'wheel', 'keydown'])
      window.addEventListener(e, stopFollowing, { passive: true })
    // a reply queued offline reached the server: swap the greyed copy for the real one
    stopSent = outbox.onSent('topics.post', (post) => {
      if (post.topic_id === topicId.value)
        upsert(post)
    })
  })
  onBeforeUnmount(() => {
    stop?.()
    stopSent?.()
    window.removeEventListener('scroll', onScroll)
    for (const e of ['touchstart', 'wheel', 'keydown'])
      window.removeEventListener(e, stopFollowing)
    if (readTimer)
      clearTimeout(readTimer)
  })

  return { topic, topicError, topicState, items, ahead, loading, finished, feedError, offline, newCount, loadMore, loadTopic, refresh, showNew, upsert, showOwn, me }
}
