import { getTopic } from '@/api/topics'
import { useAsyncState } from '@/composables/useAsyncState'

/** One topic as its form edits it (`id` null: a new topic, nothing to load). */
export function useTopic(id: string | null) {
  const topic = useAsyncState(() => getTopic(id!))
  const load = () => id ? topic.load() : Promise.resolve(null)
  return { ...topic, load }
}
