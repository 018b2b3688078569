import type { Article } from '@/api/research'
import { onBeforeUnmount, ref, watch } from 'vue'
import { enqueue, onSent } from '@/offline/outbox'
import { readStored } from '@/offline/stored'

export interface DraftText { title: string, body: string, topic_id: string | null }
interface Stored extends DraftText { rev: number, sent: number }

const KEY = 'xxdzz-research-drafts'

function all(): Record<string, Stored> {
  return readStored<Record<string, Stored>>(KEY, {})
}

function put(id: string, s: Stored | null) {
  const next = { ...all() }
  if (s)
    next[id] = s
  else
    delete next[id]
  localStorage.setItem(KEY, JSON.stringify(next))
}

/**
 * A draft as the member types it. Every keystroke is kept on the phone at once (localStorage);
 * after a pause the text goes to the outbox with the next save number, and the outbox sends it
 * now or when the network is back. Opening the draft again prefers the phone's copy when it is
 * newer than what the server has, so nothing typed is lost to a closed tab or a dead network.
 */
export function useDraft(id: string, pauseMs = 800) {
  const text = ref<DraftText>({ title: '', body: '', topic_id: null })
  /** 'local': kept on the phone, not yet queued; 'queued': in the outbox; 'saved': the server has it */
  const status = ref<'idle' | 'local' | 'queued' | 'saved'>('idle')
  let rev = 0
  let sent = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let applying = false

  /** Start from the server's copy (if any), unless this phone holds newer text. */
  function start(server: Article | null) {
    const mine = all()[id]
    applying = true
    if (mine && (!server || mine.rev > server.rev)) {
      text.value = { title: mine.title, body: mine.body, topic_id: mine.topic_id }
      rev = mine.rev
      sent = mine.sent
      status.value = sent < rev ? 'local' : 'queued'
      if (sent < rev)
        void queue()
    }
    else if (server) {
      text.value = { title: server.title, body: server.body, topic_id: server.topic_id }
      rev = server.rev
      sent = server.rev
      status.value = 'saved'
    }
    applying = false
  }

  async function queue() {
    if (timer) {
      clearTimeout(timer)
      timer = null
    }
    if (sent >= rev)
      return
    const at = rev
    await enqueue('research.draft', { id, ...text.value, rev: at })
    sent = Math.max(sent, at)
    put(id, { ...text.value, rev, sent })
    if (status.value === 'local' && sent >= rev)
      status.value = 'queued'
  }

  watch(text, () => {
    if (applying)
      return
    rev++
    put(id, { ...text.value, rev, sent })
    status.value = 'local'
    if (timer)
      clearTimeout(timer)
    timer = setTimeout(() => void queue(), pauseMs)
  }, { deep: true, flush: 'sync' })

  const onSaved = (a: Article) => {
    if (a.id !== id)
      return
    if (a.rev >= rev) {
      status.value = 'saved'
      put(id, null)
    }
  }
  const stopSaved = onSent('research.draft', onSaved)
  // leaving the page or the app: queue what was typed since the last pause
  const onHide = () => void queue()
  window.addEventListener('pagehide', onHide)
  onBeforeUnmount(() => {
    stopSaved()
    window.removeEventListener('pagehide', onHide)
    void queue()
  })

  return { text, status, load: start, flushNow: queue }
}
