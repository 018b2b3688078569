import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { useSubmit } from '@/composables/useSubmit'
import { i18n } from '@/modules/i18n'

describe('useSubmit', () => {
  it('is loading while the action runs and clears a previous error', async () => {
    let finish!: () => void
    const {
      loading,
      error,
      submit,
    } = useSubmit(() => new Promise<void>((r) => { finish = r }))
    error.value = 'old'
    const running = submit()
    expect(loading.value).toBe(true)
    expect(error.value).toBe('')
    finish()
    await running
    expect(loading.value).toBe(false)
  })

  it('shows a refusal as its translated message and stops loading', async () => {
    const { loading, error, submit } = useSubmit(async () => {
      throw new ApiError('invite.expired', 400, 'invite.expired')
    })
    await submit()
    expect(loading.value).toBe(false)
    expect(error.value).toBe(i18n.global.t('errors.invite.expired'))
    expect(error.value).not.toBe('errors.invite.expired')
  })
})
