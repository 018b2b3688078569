// Small promise wrappers over realtime-js callbacks, shared by the realtime tests.
import type { RealtimeChannel } from '@supabase/supabase-js'

export interface SubscribeResult { status: string, error?: Error }

/** Resolves on the first terminal status (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT, CLOSED). */
export function subscribe(ch: RealtimeChannel): Promise<SubscribeResult> {
  return new Promise((resolve) => {
    ch.subscribe((status, error) => resolve({ status, error }))
  })
}

export function waitFor<T>(fn: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = fn()
      if (v !== undefined && v !== false)
        return resolve(v)
      if (Date.now() - started > timeoutMs)
        return reject(new Error('timed out waiting'))
      setTimeout(tick, 20)
    }
    tick()
  })
}

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
