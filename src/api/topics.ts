import type { RpcOptions } from './client'
import type { OrgKind } from './core'
import { joinChannels, rpc } from './client'

export const TOPIC_STATUSES = ['draft', 'open', 'locked', 'closed', 'archived'] as const
export type TopicStatus = typeof TOPIC_STATUSES[number]

export interface Topic {
  id: string
  org_id: string
  org_name: string
  org_kind: OrgKind
  title: string
  prompt: string
  status: TopicStatus
  deadline: string | null
  published_at: string | null
  closed_at: string | null
  last_activity_at: string
  post_count: number
  new_replies: number
  has_summary: boolean
  can_manage: boolean
  can_post: boolean
}

export interface PostQuote {
  id: string
  author_name: string | null
  /** null when the quoted post was deleted or hidden */
  excerpt: string | null
  deleted: boolean
  hidden: boolean
}

export interface Post {
  id: string
  topic_id: string
  author: { id: string, name: string | null, school: string | null }
  /** null for deleted posts, and for hidden ones unless I wrote it or manage the topic */
  body: string | null
  created_at: string
  edited_at: string | null
  deleted: boolean
  hidden: boolean
  hidden_reason: string | null
  pinned: boolean
  is_summary: boolean
  mine: boolean
  editable_until: string | null
  like_count: number
  liked: boolean
  quote: PostQuote | null
}

export interface TopicDetail extends Topic {
  summary: Post | null
  pinned: Post[]
}

/** Where a page ends: passed back exactly as received (microseconds matter). */
export interface FeedCursor { created_at: string, id: string }

export interface FeedPage {
  items: Post[]
  next: FeedCursor | null
  last: FeedCursor | null
}

export interface TopicInput {
  id: string
  org_id: string
  title: string
  prompt: string
  deadline: string | null
}

export type ModerationAction = 'pin' | 'unpin' | 'hide' | 'unhide'

export const FEED_PAGE = 20

/**
 * The longest reply, in characters, as the database counts them (app.topic_body refuses more
 * with topics.body_too_long, and app.posts checks it). The reply box counts and refuses with
 * this number; supabase/tests/topics.test.ts checks that it is the database's.
 */
export const POST_MAX_CHARS = 5000

/** A reply's length as app.topic_body measures it: Windows line ends made plain, trimmed, code points. */
export function postLength(body: string): number {
  return [...body.replace(/\r\n/g, '\n').replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '')].length
}

export const listTopics = () => rpc<Topic[]>('topic_list')

export const getTopic = (topicId: string) => rpc<TopicDetail>('topic_detail', { p_topic_id: topicId })

export function topicFeed(topicId: string, after: FeedCursor | null = null, limit = FEED_PAGE) {
  return rpc<FeedPage>('topic_feed', {
    p_topic_id: topicId,
    p_after_created_at: after?.created_at ?? null,
    p_after_id: after?.id ?? null,
    p_limit: limit,
  })
}

export const getPost = (postId: string) => rpc<Post>('topic_post_detail', { p_post_id: postId })

export function saveTopic(t: TopicInput) {
  return rpc<Topic>('topic_save', {
    p_id: t.id,
    p_org_id: t.org_id,
    p_title: t.title,
    p_prompt: t.prompt,
    p_deadline: t.deadline,
  })
}

export function setTopicStatus(topicId: string, status: Exclude<TopicStatus, 'draft'>) {
  return rpc<Topic>('topic_set_status', { p_topic_id: topicId, p_status: status })
}

export interface NewPost { id: string, topic_id: string, body: string, quote_post_id: string | null }

/** Idempotent: `id` is made by the client, so the outbox may retry it. */
export function createPost(p: NewPost, opts?: RpcOptions) {
  return rpc<Post>('topic_post_create', {
    p_id: p.id,
    p_topic_id: p.topic_id,
    p_body: p.body,
    p_quote_post_id: p.quote_post_id,
  }, opts)
}

export const editPost = (postId: string, body: string) => rpc<Post>('topic_post_edit', { p_post_id: postId, p_body: body })

export const deletePost = (postId: string) => rpc<Post>('topic_post_delete', { p_post_id: postId })

export function likePost(postId: string, liked: boolean) {
  return rpc<{ post_id: string, liked: boolean, like_count: number }>('topic_post_like', { p_post_id: postId, p_liked: liked })
}

export function moderatePost(postId: string, action: ModerationAction, reason: string | null = null) {
  return rpc<Post>('topic_post_moderate', { p_post_id: postId, p_action: action, p_reason: reason })
}

export function writeSummary(topicId: string, id: string, body: string) {
  return rpc<Post>('topic_write_summary', { p_topic_id: topicId, p_id: id, p_body: body })
}

export const markTopicRead = (topicId: string) => rpc<{ topic_id: string, new_replies: number }>('topic_mark_read', { p_topic_id: topicId })

export type TopicEvent
  = | { event: 'post_created' | 'post_updated', post_id: string, topic_id: string }
    | { event: 'topic_updated', topic_id: string, status: TopicStatus }
  /** 赞同 changed: the post's new count (sent by the database on every like and unlike) */
    | { event: 'post_liked', post_id: string, topic_id: string, like_count: number }

/**
 * Live signals of one topic over its private channel (only members who may see the topic can
 * join). Payloads carry ids (re-read through the API), and a like's new count. Returns the unsubscribe function.
 */
export function watchTopic(topicId: string, onEvent: (e: TopicEvent) => void): () => void {
  return joinChannels([`topic:${topicId}`], (channel) => {
    for (const event of ['post_created', 'post_updated', 'topic_updated', 'post_liked'] as const) {
      channel.on('broadcast', { event }, (msg) => {
        onEvent({ event, ...(msg.payload as Record<string, unknown>) } as TopicEvent)
      })
    }
  })
}

/** Activity (new replies, status changes) of the topics of these organisations. */
export function watchTopicActivity(orgIds: string[], onActivity: (topicId: string) => void): () => void {
  return joinChannels(orgIds.map(id => `org:${id}`), channel =>
    channel.on('broadcast', { event: 'topic_activity' }, msg => onActivity(String((msg.payload as { topic_id?: string }).topic_id ?? ''))))
}
