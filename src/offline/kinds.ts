import type { NoteSaveInput, SaveNoteResult, TickResult } from '@/api/readings'
import type { Article, DraftInput } from '@/api/research'
import type { CheckinInput, CheckinResult } from '@/api/sessions'
import type { NewPost, Post } from '@/api/topics'

/**
 * Every kind of write the outbox keeps: what is queued (`payload`, carrying the client-made id)
 * and what the server answers (`result`, handed to `outbox.onSent` listeners). Adding a kind
 * here is what lets `enqueue`, `registerSender` and `onSent` accept it.
 */
export interface OutboxKinds {
  'readings.tick': { payload: { id: string, section_id: string, read: boolean, client_time: string | null }, result: TickResult }
  'readings.note': { payload: NoteSaveInput & { org_id: string | null }, result: SaveNoteResult }
  'sessions.checkin': { payload: CheckinInput & { claimedAt: string }, result: CheckinResult }
  'topics.post': { payload: NewPost, result: Post }
  'research.draft': { payload: DraftInput, result: Article }
  'research.submit': { payload: { id: string }, result: Article }
}

/** The shape a kinds map has (tests use maps of their own): every payload carries its id. */
export type KindMap<K> = { [P in keyof K]: { payload: { id: string }, result: unknown } }
