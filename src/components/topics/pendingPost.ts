import type { NewPost, PostQuote } from '@/api/topics'
import type { FeedPost } from '@/composables/topics/useTopicFeed'

/** The greyed copy of a reply of mine that waits in the outbox, until the server has it. */
export function pendingPost(p: NewPost, author: FeedPost['author'], quote: PostQuote | null = null): FeedPost {
  return {
    id: p.id,
    topic_id: p.topic_id,
    author,
    body: p.body,
    created_at: new Date().toISOString(),
    edited_at: null,
    deleted: false,
    hidden: false,
    hidden_reason: null,
    pinned: false,
    is_summary: false,
    mine: true,
    editable_until: null,
    like_count: 0,
    liked: false,
    quote,
    pending: true,
  }
}
