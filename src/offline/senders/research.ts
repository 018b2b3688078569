import { saveDraft, submitArticle } from '@/api/research'
import { registerSender } from '../outbox'

// Research drafts typed on this phone and their submission, sent in order when online.
// research.draft: { id, title, body, topic_id, rev }  research.submit: { id }
// A draft save carries the phone's save counter (rev): the server keeps the highest, so a resent
// older save never undoes newer text.

registerSender('research.draft', async (p) => {
  const res = await saveDraft({
    id: String(p.id),
    title: String(p.title ?? ''),
    body: String(p.body ?? ''),
    topic_id: typeof p.topic_id === 'string' ? p.topic_id : null,
    rev: typeof p.rev === 'number' ? p.rev : 0,
  })
  window.dispatchEvent(new CustomEvent('research:draft-saved', { detail: res }))
  return res
})

registerSender('research.submit', async (p) => {
  const res = await submitArticle(String(p.id))
  window.dispatchEvent(new CustomEvent('research:submitted', { detail: res }))
  return res
})
