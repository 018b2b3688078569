import { saveDraft, submitArticle } from '@/api/research'
import { registerSender } from '../outbox'

// Research drafts typed on this phone and their submission, sent in order when online; screens
// hear of each through `onSent('research.draft' | 'research.submit')`. A draft save carries the
// phone's save counter (rev): the server keeps the highest, so a resent older save never undoes
// newer text.
registerSender('research.draft', p => saveDraft(p))
registerSender('research.submit', p => submitArticle(p.id))
