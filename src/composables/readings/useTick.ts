import { enqueue, newId, onSent } from '@/offline/outbox'
import { patchTick } from '@/offline/readings-cache'

/**
 * Taps made on this phone that the server has not acknowledged yet: section → its read_at.
 * Whatever a screen loads meanwhile (an answer that left the server before the tap, the phone's
 * copy read while the tap was being saved) is shown with these applied, so a tap never reverts.
 */
const unsent = new Map<string, { id: string, at: string | null }>()
onSent('readings.tick', (_result, p) => {
  if (unsent.get(p.section_id)?.id === p.id)
    unsent.delete(p.section_id)
})

/** `data` with this phone's unacknowledged ticks applied (for every load of a reading's sections). */
export function withLocalTicks<T extends { sections: { id: string, read_at: string | null }[] }>(data: T): T {
  if (!unsent.size || !data.sections.some(s => unsent.has(s.id)))
    return data
  return { ...data, sections: data.sections.map(s => unsent.has(s.id) ? { ...s, read_at: unsent.get(s.id)!.at } : s) }
}

/**
 * Tick or untick a section. Returns the new read_at at once, for the screen to show before
 * anything is saved; `saved` settles once the phone's copies are updated and the tick is in the
 * outbox (sent at once when online, later when not).
 */
export function tick(readingId: string, sectionId: string, read: boolean): { at: string | null, saved: Promise<void> } {
  const now = new Date().toISOString()
  const at = read ? now : null
  const id = newId()
  unsent.set(sectionId, { id, at })
  const saved = (async () => {
    await patchTick(readingId, sectionId, at)
    await enqueue('readings.tick', { id, section_id: sectionId, read, client_time: now })
  })()
  return { at, saved }
}
