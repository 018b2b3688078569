import type { SessionListItem } from '@/api/sessions'
import { listMySessions } from '@/api/sessions'
import { usePagedList } from '@/composables/usePagedList'

const PAGE = 15

/** One tab of the 签到 list: keyset-paged on starts_at, for van-list inside van-pull-refresh. */
export function useSessionList(scope: 'upcoming' | 'past') {
  const list = usePagedList<SessionListItem>(last => listMySessions(scope, last?.starts_at ?? null, PAGE), PAGE)
  return { ...list, onLoad: list.more }
}
