import { enqueue, newId } from '@/offline/outbox'
import { patchTick } from '@/offline/readings-cache'

/**
 * Tick or untick a section. It goes through the outbox (sent at once when online, later when
 * not), and the phone's copies are updated so the checklist is right offline too.
 */
export async function tick(readingId: string, sectionId: string, read: boolean): Promise<string | null> {
  const at = read ? new Date().toISOString() : null
  await patchTick(readingId, sectionId, at)
  await enqueue('readings.tick', { id: newId(), section_id: sectionId, read, client_time: at ?? new Date().toISOString() })
  return at
}
