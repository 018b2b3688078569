import type { Topic } from '@/api/topics'
import { computed, onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import { errorKey as toErrorKey } from '@/api/errors'
import { listTopics, watchTopicActivity } from '@/api/topics'
import { cachedTopicList } from '@/offline/topics-cache'
import { useSessionStore } from '@/stores/session'

/** The 讨论 tab: topics reaching me, refreshed when any of their organisations has activity. */
export function useTopicList() {
  const session = useSessionStore()
  const topics = shallowRef<Topic[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const errorKey = ref<string | null>(null)
  let stop: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  async function load() {
    loading.value = true
    try {
      // offline, the list as last seen on this phone (its threads open from their copies too)
      topics.value = (await cachedTopicList(listTopics)).value
      errorKey.value = null
      loaded.value = true
    }
    catch (err) {
      errorKey.value = toErrorKey(err)
    }
    finally {
      loading.value = false
    }
  }

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

  return { topics, loaded, loading, errorKey, load }
}
