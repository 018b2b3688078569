import type { Note, ReadingDetail, SaveNoteResult, Visibility } from '@/api/readings'
import { showToast } from 'vant'
import { computed, onScopeDispose, ref, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorMessage } from '@/api/errors'
import { deleteNote } from '@/api/readings'
import { enqueue, newId, onSent } from '@/offline/outbox'
import { cacheGet, cachePut, keys } from '@/offline/readings-cache'

/**
 * My note on a reading: edited here, saved through the outbox (so a note written offline is
 * kept and sent later). When the server answers that another device had saved a newer version,
 * the user is told that this version was saved over it.
 */
export function useNote(readingId: () => string, initial: () => Note | null) {
  const { t } = useI18n()
  const note = ref<Note | null>(initial())
  const body = ref(note.value?.body ?? '')
  const visibility = ref<Visibility>(note.value?.visibility ?? 'private')
  const orgId = ref<string | null>(note.value?.org_id ?? null)
  const saving = ref(false)
  const dirty = computed(() => body.value.trim() !== (note.value?.body ?? '') || visibility.value !== (note.value?.visibility ?? 'private')
    || (visibility.value === 'branch' && orgId.value !== note.value?.org_id))

  watch(initial, (n) => {
    note.value = n
    body.value = n?.body ?? ''
    visibility.value = n?.visibility ?? 'private'
    orgId.value = n?.org_id ?? null
  })

  function onSaved(res: SaveNoteResult) {
    if (res.note.reading_id !== readingId())
      return
    note.value = res.note
    if (res.overwrote_newer)
      showToast({ message: t('readings.notes.overwrote'), duration: 4000 })
  }
  onScopeDispose(onSent('readings.note', onSaved))

  async function save() {
    const text = body.value.trim()
    if (!text)
      return
    saving.value = true
    try {
      const id = note.value?.id ?? newId()
      const local: Note = {
        id,
        reading_id: readingId(),
        body: text,
        visibility: visibility.value,
        org_id: visibility.value === 'branch' ? orgId.value : null,
        org_name: null,
        version: note.value?.version ?? 0,
        updated_at: new Date().toISOString(),
      }
      note.value = local
      await patchCachedNote(readingId(), local)
      await enqueue('readings.note', { id, reading_id: readingId(), body: text, visibility: local.visibility, base_version: note.value.version || null, org_id: local.org_id })
      showToast(navigator.onLine === false ? t('readings.notes.saved_offline') : t('readings.notes.saved'))
    }
    finally {
      saving.value = false
    }
  }

  async function remove() {
    if (!note.value)
      return
    try {
      await deleteNote(note.value.id)
      note.value = null
      body.value = ''
      visibility.value = 'private'
      await patchCachedNote(readingId(), null)
      showToast(t('readings.notes.deleted'))
    }
    catch (err) {
      showToast(errorMessage(err))
    }
  }

  return { note, body, visibility, orgId, saving, dirty, save, remove }
}

async function patchCachedNote(readingId: string, note: Note | null) {
  const d = await cacheGet<ReadingDetail>(keys.reading(readingId))
  if (d)
    await cachePut(keys.reading(readingId), { ...d, my_note: note })
}
