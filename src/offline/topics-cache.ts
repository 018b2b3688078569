import type { FeedCursor, FeedPage, Topic, TopicDetail } from '@/api/topics'
import { cachedFetch } from './readings-cache'

// Threads a member opened stay readable offline: the topic, and each page of replies they read,
// copied into the same per-member IndexedDB store as the readings (cleared on sign-out). The
// service worker never caches the API. Each page is kept under the cursor it was asked with, so
// offline the same scroll asks for, and gets, the same pages.

const keys = {
  list: () => 'topics',
  topic: (id: string) => `topic:${id}`,
  page: (id: string, after: FeedCursor | null) => `topic-feed:${id}:${after ? `${after.created_at}/${after.id}` : 'start'}`,
}

export const cachedTopicList = (fetch: () => Promise<Topic[]>) => cachedFetch(keys.list(), fetch)

export const cachedTopic = (id: string, fetch: () => Promise<TopicDetail>) => cachedFetch(keys.topic(id), fetch)

export function cachedFeedPage(id: string, after: FeedCursor | null, fetch: () => Promise<FeedPage>) {
  return cachedFetch(keys.page(id, after), fetch)
}
