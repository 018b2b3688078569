import type { FeedCursor, FeedPage, TopicDetail } from '@/api/topics'
import { cachedFetch } from './readings-cache'

// Threads a member opened stay readable offline: the topic, and each page of replies they read,
// copied into the same per-member IndexedDB store as the readings (cleared on sign-out). The
// service worker never caches the API. Each page is kept under the cursor it was asked with, so
// offline the same scroll asks for, and gets, the same pages.

export const topicKeys = {
  list: () => 'topics',
  topic: (id: string) => `topic:${id}`,
  page: (id: string, after: FeedCursor | null) => `topic-feed:${id}:${after ? `${after.created_at}/${after.id}` : 'start'}`,
}

export const cachedTopic = (id: string, fetch: () => Promise<TopicDetail>) => cachedFetch(topicKeys.topic(id), fetch)

export function cachedFeedPage(id: string, after: FeedCursor | null, fetch: () => Promise<FeedPage>) {
  return cachedFetch(topicKeys.page(id, after), fetch)
}
