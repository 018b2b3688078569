import type { DBSchema, IDBPDatabase } from 'idb'
import { openDB } from 'idb'

export interface OutboxEntry {
  /** insertion order; sending follows it */
  seq?: number
  kind: string
  /** carries the client-made id, so a resend never makes a duplicate */
  payload: Record<string, unknown>
  createdAt: number
  attempts: number
  /** who made it: it is sent only while that user is signed in (a phone may be shared) */
  userId?: string | null
}

export interface FailedEntry extends OutboxEntry {
  seq: number
  failedAt: number
  error: { key: string, status: number, message: string }
}

interface OfflineDB extends DBSchema {
  outbox: { key: number, value: OutboxEntry }
  failed: { key: number, value: FailedEntry }
}

export type OfflineDatabase = IDBPDatabase<OfflineDB>

export const DEFAULT_DB_NAME = 'xxdzz-offline'

export function openOfflineDb(name = DEFAULT_DB_NAME): Promise<OfflineDatabase> {
  return openDB<OfflineDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true })
      db.createObjectStore('failed', { keyPath: 'seq' })
    },
  })
}
