import { createPost } from '@/api/topics'
import { registerSender } from '../outbox'

// Replies written offline, sent in order when online. topics.post: { id, topic_id, body, quote_post_id }
// The id is made on the phone, so a resend after a lost answer returns the same post.
registerSender('topics.post', async (p) => {
  const post = await createPost({
    id: String(p.id),
    topic_id: String(p.topic_id),
    body: String(p.body),
    quote_post_id: typeof p.quote_post_id === 'string' ? p.quote_post_id : null,
  })
  window.dispatchEvent(new CustomEvent('topics:post-sent', { detail: post }))
  return post
})
