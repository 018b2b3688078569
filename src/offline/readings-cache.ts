import type { IDBPDatabase } from 'idb'
import type { ReadingDetail, ReadingTexts } from '@/api/readings'
import { openDB } from 'idb'
import { toApiError } from '@/api/client'

// What a member opened in the readings area (plans, readings, section texts), kept in IndexedDB
// by the app so it stays readable offline. The service worker never caches the API.

const DB_NAME = 'xxdzz-readings'
let dbp: Promise<IDBPDatabase> | null = null
function db() {
  return dbp ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('responses')
    },
  })
}

let owner: () => string | null = () => null

/**
 * Copies belong to whoever was signed in when they were made: on a shared phone the next
 * account never reads them (src/modules/outbox.ts sets this, and clears them on sign-out).
 */
export function setCacheOwner(fn: () => string | null): void {
  owner = fn
}

const ownKey = (key: string) => `${owner() ?? '-'}/${key}`

/** Forget every copy on this phone (signing out). */
export async function clearCachedCopies(): Promise<void> {
  try {
    await (await db()).clear('responses')
  }
  catch {
    // nothing was stored
  }
}

export async function cacheGet<T>(key: string): Promise<T | undefined> {
  try {
    return (await (await db()).get('responses', ownKey(key))) as T | undefined
  }
  catch {
    return undefined
  }
}

export async function cachePut(key: string, value: unknown): Promise<void> {
  try {
    await (await db()).put('responses', JSON.parse(JSON.stringify(value)), ownKey(key))
  }
  catch {
    // private mode or storage full: the app still works online
  }
}

export interface Cached<T> { value: T, offline: boolean }

/**
 * Fetch and remember; when there is no network, answer from what was remembered.
 * A refusal by the server (not found, not allowed) is not hidden behind an old copy.
 */
export async function cachedFetch<T>(key: string, fetch: () => Promise<T>): Promise<Cached<T>> {
  try {
    const value = await fetch()
    void cachePut(key, value)
    return { value, offline: false }
  }
  catch (err) {
    if (!toApiError(err).transient)
      throw err
    const value = await cacheGet<T>(key)
    if (value === undefined)
      throw err
    return { value, offline: true }
  }
}

export const keys = {
  plans: () => 'plans',
  plan: (id: string) => `plan:${id}`,
  reading: (id: string) => `reading:${id}`,
  texts: (id: string) => `texts:${id}`,
}

let patching: Promise<void> = Promise.resolve()

/**
 * Keep the cached copies in step with a tick made on this phone (maybe offline). One after another: each patch reads the copy, changes one section and writes it back, so two
 * quick taps run side by side would each write over the other's change.
 */
export function patchTick(readingId: string, sectionId: string, readAt: string | null): Promise<void> {
  const run = patching.then(() => patchTickNow(readingId, sectionId, readAt))
  patching = run.catch(() => {})
  return run
}

async function patchTickNow(readingId: string, sectionId: string, readAt: string | null): Promise<void> {
  const detail = await cacheGet<ReadingDetail>(keys.reading(readingId))
  if (detail) {
    detail.sections = detail.sections.map(s => s.id === sectionId ? { ...s, read_at: readAt } : s)
    await cachePut(keys.reading(readingId), detail)
  }
  const texts = await cacheGet<ReadingTexts>(keys.texts(readingId))
  if (texts) {
    texts.sections = texts.sections.map(s => s.id === sectionId ? { ...s, read_at: readAt } : s)
    await cachePut(keys.texts(readingId), texts)
  }
}
