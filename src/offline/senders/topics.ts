import { createPost } from '@/api/topics'
import { registerSender } from '../outbox'

// Replies written offline, sent in order when online; the feed hears of each through
// `onSent('topics.post')`. The id is made on the phone, so a resend after a lost answer
// returns the same post.
registerSender('topics.post', (p, { signal }) => createPost(p, { signal }))
