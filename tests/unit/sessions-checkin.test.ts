// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { openOfflineDb } from '@/offline/db'
import 'fake-indexeddb/auto'

const checkIn = vi.fn()
vi.mock('@/api/sessions', () => ({ checkIn: (...a: unknown[]) => checkIn(...a) }))

const { useCheckin, CHECKIN_KIND } = await import('@/composables/sessions/useCheckin')

async function queued() {
  const db = await openOfflineDb()
  const all = await db.getAll('outbox')
  db.close()
  return all.filter(e => e.kind === CHECKIN_KIND)
}

describe('useCheckin', () => {
  beforeEach(() => {
    checkIn.mockReset()
    vi.spyOn(console, 'warn').mockImplementation(() => {}) // onMounted outside a component
  })

  it('online: sends the code with a client-made id and keeps the answer', async () => {
    checkIn.mockResolvedValue({ status: 'ok', checkin: { id: 'x', status: 'present' } })
    const c = useCheckin(() => 's1')
    await c.submit('123456', 'code')
    expect(checkIn).toHaveBeenCalledWith(expect.objectContaining({ sessionId: 's1', code: '123456', method: 'code' }))
    expect(checkIn.mock.calls[0]![0].id).toMatch(/^[0-9a-f-]{36}$/)
    expect(c.result.value?.status).toBe('ok')
    expect(c.pending.value).toBe(false)
  })

  it('a refusal shows its translated key; "not open" is flagged so the page says when it opens', async () => {
    checkIn.mockRejectedValueOnce(new ApiError('checkin.code_expired', 400, 'checkin.code_expired'))
    const c = useCheckin(() => 's1')
    await c.submit('123456', 'code')
    expect(c.error.value).toBe('errors.checkin.code_expired')
    checkIn.mockRejectedValueOnce(new ApiError('checkin.not_open', 400, 'checkin.not_open'))
    await c.submit('123456', 'code')
    expect(c.notOpen.value).toBe(true)
    expect(await queued()).toHaveLength(0)
  })

  it('no network: the code and the device time go to the outbox and the check-in shows as pending', async () => {
    checkIn.mockRejectedValue(new ApiError('network', 0, 'Failed to fetch'))
    const c = useCheckin(() => 's2')
    const before = Date.now()
    await c.submit('654321', 'qr')
    expect(c.pending.value).toBe(true)
    expect(c.error.value).toBeNull()
    const [entry] = await queued()
    expect(entry!.payload).toMatchObject({ sessionId: 's2', code: '654321', method: 'qr' })
    expect(new Date(String(entry!.payload.claimedAt)).getTime()).toBeGreaterThanOrEqual(before - 5)
  })
})
