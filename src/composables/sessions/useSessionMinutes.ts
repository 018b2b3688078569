import { reactive } from 'vue'
import { getSession, saveMinutes } from '@/api/sessions'
import { useAction } from '@/composables/useAction'
import { useAsyncState } from '@/composables/useAsyncState'

/**
 * A session's minutes as the organiser writes them. The form opens only once they are read (a
 * failed read is an error to retry, never an empty form that would save over them); `save`, done,
 * toasts and then `after` (the page goes back).
 */
export function useSessionMinutes(id: string, after: () => unknown) {
  const form = reactive({ topic: '', speakers: '', decisions: '' })
  const { state, errorKey, load } = useAsyncState(async () => {
    const s = await getSession(id)
    Object.assign(form, { topic: s.minutes.topic, speakers: s.minutes.speakers, decisions: s.minutes.decisions })
    return s
  })
  const { busy, act } = useAction(after, { failIcon: true })
  const save = () => act(() => saveMinutes(id, form), 'common.saved')

  return { form, state, errorKey, busy, load, save }
}
