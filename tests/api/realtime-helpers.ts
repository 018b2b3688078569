// Small promise wrappers over realtime-js callbacks, shared by the realtime tests.
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import { randomUUID } from 'node:crypto'

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

/**
 * Resolves once everything the server had sent this client before the call has arrived, so that
 * a test can say "nothing came" without waiting for time: a broadcast to itself on a channel of
 * its own travels back on the same socket, behind anything already on its way (the stack, like
 * Realtime, writes a message to every subscriber before it reads the next one).
 */
export async function drained(client: SupabaseClient): Promise<void> {
  const ch = client.channel(`drain:${randomUUID()}`, { config: { broadcast: { self: true, ack: true } } })
  let back = false
  ch.on('broadcast', { event: 'drain' }, () => {
    back = true
  })
  const joined = await subscribe(ch)
  if (joined.status !== 'SUBSCRIBED')
    throw new Error(`drain channel: ${joined.status}`)
  if (await ch.send({ type: 'broadcast', event: 'drain', payload: {} }) !== 'ok')
    throw new Error('drain broadcast not acknowledged')
  await waitFor(() => back)
  await client.removeChannel(ch)
}
