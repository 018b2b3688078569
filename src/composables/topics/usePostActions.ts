import type { Ref } from 'vue'
import type { FeedPost } from './useTopicFeed'
import type { ModerationAction, Post } from '@/api/topics'
import { showConfirmDialog, showFailToast, showSuccessToast, showToast } from 'vant'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/client'
import { errorMessage } from '@/api/errors'
import { createPost, deletePost, editPost, likePost, moderatePost } from '@/api/topics'
import { pendingPost } from '@/components/topics/pendingPost'
import { enqueue, newId } from '@/offline/outbox'

interface Feed {
  upsert: (p: FeedPost) => unknown
  /** my reply: shown wherever it lands in the thread, and scrolled to */
  showOwn: (p: FeedPost) => Promise<void>
  me: () => FeedPost['author']
}

/** What a member (and a manager) does to replies; each result lands in the feed via `upsert`. */
export function usePostActions(topicId: Ref<string>, feed: Feed) {
  const { t } = useI18n()
  const upsert = feed.upsert
  const sending = ref(false)

  function fail(err: unknown) {
    showFailToast({ message: errorMessage(err), wordBreak: 'break-word' })
  }

  /** Sends a reply; offline (or on a lost answer) it goes to the outbox with the same id. */
  async function send(body: string, quote: { id: string, author_name: string | null } | null): Promise<boolean> {
    const payload = { id: newId(), topic_id: topicId.value, body: body.trim(), quote_post_id: quote?.id ?? null }
    sending.value = true
    try {
      if (typeof navigator !== 'undefined' && navigator.onLine === false)
        throw new ApiError('network', 0, 'offline')
      const post = await createPost(payload)
      showSuccessToast(t('topics.sent'))
      void feed.showOwn(post)
      return true
    }
    catch (err) {
      if (err instanceof ApiError && err.key === 'network') {
        await enqueue('topics.post', payload)
        showToast(t('topics.queued'))
        void feed.showOwn(pendingPost(payload, feed.me(), quote ? { id: quote.id, author_name: quote.author_name, excerpt: null, deleted: false, hidden: false } : null))
        return true
      }
      fail(err)
      return false
    }
    finally {
      sending.value = false
    }
  }

  async function toggleLike(post: Post) {
    const liked = !post.liked
    upsert({ ...post, liked, like_count: post.like_count + (liked ? 1 : -1) })
    try {
      const r = await likePost(post.id, liked)
      upsert({ ...post, liked: r.liked, like_count: r.like_count })
    }
    catch (err) {
      upsert(post)
      fail(err)
    }
  }

  async function edit(post: Post, body: string): Promise<boolean> {
    try {
      upsert(await editPost(post.id, body))
      return true
    }
    catch (err) {
      fail(err)
      return false
    }
  }

  async function remove(post: Post) {
    const ok = await showConfirmDialog({ message: t('topics.confirm_delete'), confirmButtonText: t('topics.actions.delete'), cancelButtonText: t('common.cancel') })
      .then(() => true, () => false)
    if (!ok)
      return
    try {
      upsert(await deletePost(post.id))
    }
    catch (err) {
      fail(err)
    }
  }

  async function moderate(post: Post, action: ModerationAction, reason: string | null = null): Promise<boolean> {
    try {
      upsert(await moderatePost(post.id, action, reason))
      return true
    }
    catch (err) {
      fail(err)
      return false
    }
  }

  return { sending, send, toggleLike, edit, remove, moderate }
}
