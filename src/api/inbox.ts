import { joinChannels, rpc } from './client'

export const INBOX_KINDS = ['session_scheduled', 'session_moved', 'session_cancelled', 'session_tomorrow', 'session_soon', 'leave_approved', 'leave_declined', 'makeup_assigned', 'plan_assigned', 'plan_due', 'post_quoted', 'topic_closed', 'leave_waiting', 'roster_imported', 'member_joined', 'join_requested', 'join_approved', 'join_declined'] as const
export type InboxKind = typeof INBOX_KINDS[number]
/** Kinds only secretaries receive: 我的 shows their switches to secretaries only. */
export const SECRETARY_KINDS: readonly InboxKind[] = ['leave_waiting', 'roster_imported', 'member_joined', 'join_requested']

export interface InboxItem {
  id: string
  kind: InboxKind
  /** what the line says: title, starts_at, place, due_on, member, rows… (by kind) */
  params: Record<string, string | number | boolean | null>
  /** the app route where it can be acted on */
  link: string
  created_at: string
  /** the day it belongs to in Asia/Shanghai, YYYY-MM-DD */
  day: string
  read: boolean
}

export interface InboxPage { unread: number, items: InboxItem[] }

/** Newest first; also writes the reminders now due (tomorrow, in an hour, 补学, plan due). */
export function inboxList(before?: string | null, limit = 50): Promise<InboxPage> {
  return rpc('inbox_list', { p_before: before ?? null, p_limit: limit })
}

export function inboxUnread(): Promise<{ unread: number }> {
  return rpc('inbox_unread')
}

/** One item, or all of mine when `id` is omitted. */
export function inboxMarkRead(id?: string): Promise<{ unread: number }> {
  return rpc('inbox_mark_read', id ? { p_id: id } : {})
}

export function inboxSettings(): Promise<Record<InboxKind, boolean>> {
  return rpc('inbox_settings')
}

export function inboxSetKind(kind: InboxKind, on: boolean): Promise<Record<InboxKind, boolean>> {
  return rpc('inbox_set_kind', { p_kind: kind, p_on: on })
}

/** The member's private channel (`user:<uuid>`) says the unread count changed. Returns the unsubscribe. */
export function watchInbox(userId: string, onUnread: (unread: number) => void): () => void {
  return joinChannels([`user:${userId}`], (channel) => {
    channel.on('broadcast', { event: 'inbox' }, ({ payload }) => {
      const n = (payload as { unread?: unknown } | undefined)?.unread
      if (typeof n === 'number')
        onUnread(n)
    })
  })
}
