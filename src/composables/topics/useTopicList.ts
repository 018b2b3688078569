import { computed, onBeforeUnmount, watch } from 'vue'
import { listTopics, watchTopicActivity } from '@/api/topics'
import { useAsyncState } from '@/composables/useAsyncState'
import { topicKeys } from '@/offline/topics-cache'
import { useSessionStore } from '@/stores/session'

/** The 讨论 tab: topics reaching me, refreshed when any of their organisations has activity. */
export function useTopicList() {
  const session = useSessionStore()
  // offline, the list as last seen on this phone (its threads open from their copies too)
  const list = useAsyncState(listTopics, { cache: topicKeys.list })
  const topics = computed(() => list.data.value ?? [])
  const load = () => list.load()
  let stop: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  // org:X reaches exactly those who may see X's published topics; listen to those of my topics
  // and of my own organisations (for topics yet to come)
  const orgIds = computed(() => [...new Set([
    ...topics.value.map(t => t.org_id),
    ...session.memberships.map(m => m.org_id),
  ])].sort())

  watch(() => orgIds.value.join(','), () => {
    stop?.()
    stop = orgIds.value.length
      ? watchTopicActivity(orgIds.value, () => {
          if (timer)
            clearTimeout(timer)
          timer = setTimeout(() => void load(), 300)
        })
      : null
  })

  onBeforeUnmount(() => {
    stop?.()
    if (timer)
      clearTimeout(timer)
  })

  return { ...list, topics, load }
}
