import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
// Child process of rpc-roundtrip.ts: the supabase-js side of the round trip, so that the client's own
// work (building the request, parsing the answer) is not counted in the stack's process, as on a phone.
// argv: url anonKey accessToken fn n — prints one JSON line with the timings.
import { createClient } from '@supabase/supabase-js'
import ws from 'ws'
import { time } from './context'

const [url, anonKey, token, fn, n] = process.argv.slice(2) as [string, string, string, string, string]
const client = createClient(url, anonKey, {
  auth: { persistSession: false, autoRefreshToken: false },
  // Node 20 has no WebSocket of its own; realtime-js wants one even if no channel is opened.
  realtime: { transport: ws as unknown as WebSocketLikeConstructor },
  global: { headers: { Authorization: `Bearer ${token}` } },
})
time(Number(n), async () => {
  const { error } = await client.rpc(fn)
  if (error)
    throw new Error(error.message)
}).then(t => console.log(JSON.stringify(t)))
