import type { Ref } from 'vue'
import { ref, watch } from 'vue'
import { readStored } from '@/offline/stored'

export interface DraftQuote { id: string, author_name: string | null }
interface Stored { body: string, quote: DraftQuote | null }

const key = (topicId: string) => `xxdzz-topic-draft:${topicId}`

function read(topicId: string): Stored {
  const s = readStored<Stored | null>(key(topicId), null)
  return { body: typeof s?.body === 'string' ? s.body : '', quote: s?.quote ?? null }
}

/** The reply being written in a topic, kept in localStorage so it survives leaving and reloading. */
export function useTopicDraft(topicId: Ref<string>) {
  const body = ref('')
  const quote = ref<DraftQuote | null>(null)

  watch(topicId, (id) => {
    const s = read(id)
    body.value = s.body
    quote.value = s.quote
  }, { immediate: true })

  watch([body, quote], ([b, q]) => {
    if (!b && !q)
      localStorage.removeItem(key(topicId.value))
    else
      localStorage.setItem(key(topicId.value), JSON.stringify({ body: b, quote: q }))
  }, { deep: true })

  function clear() {
    body.value = ''
    quote.value = null
  }

  return { body, quote, clear }
}
