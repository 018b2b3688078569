import { saveNote, tickSection } from '@/api/readings'
import { registerSender } from '../outbox'
import { readStored } from '../stored'

// Ticks and notes made on this phone, sent in order when online.
// payloads: OutboxKinds in ../kinds.ts; useNote hears of each saved note through onSent('readings.note').

const VERSIONS_KEY = 'xxdzz-note-versions'

function versions(): Record<string, number> {
  return readStored<Record<string, number>>(VERSIONS_KEY, {})
}

registerSender('readings.tick', p =>
  tickSection(p.section_id, p.read === true, typeof p.client_time === 'string' ? p.client_time : null))

registerSender('readings.note', async (p) => {
  const id = String(p.id)
  // Saves from this phone go one after another: each builds on the version the previous one made,
  // so only a save from another device counts as "overwrote a newer version".
  const known = versions()[id] ?? 0
  const base = Math.max(typeof p.base_version === 'number' ? p.base_version : 0, known)
  const res = await saveNote({
    id,
    reading_id: String(p.reading_id),
    body: String(p.body),
    visibility: p.visibility === 'branch' ? 'branch' : 'private',
    base_version: base,
    org_id: typeof p.org_id === 'string' ? p.org_id : null,
  })
  localStorage.setItem(VERSIONS_KEY, JSON.stringify({ ...versions(), [id]: res.note.version, [res.note.id]: res.note.version }))
  return res
})
