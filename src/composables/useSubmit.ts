import { ref } from 'vue'
import { errorMessage } from '@/api/errors'

/**
 * A form's submit: `loading` while the action runs, and its failure as a translated message in
 * `error` (shown beside the button), so every form reports errors the same way.
 */
export function useSubmit(action: () => Promise<void>) {
  const loading = ref(false)
  const error = ref('')
  async function submit() {
    loading.value = true
    error.value = ''
    try {
      await action()
    }
    catch (err) {
      error.value = errorMessage(err)
    }
    finally {
      loading.value = false
    }
  }
  return { loading, error, submit }
}
