import { showFailToast } from 'vant'
import { reactive, ref } from 'vue'
import { errorMessage } from '@/api/errors'
import { getSession, saveMinutes } from '@/api/sessions'

/** A session's minutes as the organiser writes them; `save` answers whether they were saved. */
export function useSessionMinutes(id: string) {
  const form = reactive({ topic: '', speakers: '', decisions: '' })
  const loading = ref(true)
  const busy = ref(false)

  async function load() {
    try {
      const s = await getSession(id)
      Object.assign(form, { topic: s.minutes.topic, speakers: s.minutes.speakers, decisions: s.minutes.decisions })
    }
    catch (err) {
      showFailToast(errorMessage(err))
    }
    finally {
      loading.value = false
    }
  }

  async function save(): Promise<boolean> {
    busy.value = true
    try {
      await saveMinutes(id, form)
      return true
    }
    catch (err) {
      showFailToast(errorMessage(err))
      return false
    }
    finally {
      busy.value = false
    }
  }

  return { form, loading, busy, load, save }
}
