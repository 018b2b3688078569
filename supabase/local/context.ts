import type { AuthRuntime } from './auth-runtime'
// What every handler needs; built once by startServer.
import type { Db } from './db'
import type { StackKeys } from './keys'

export interface StackContext {
  db: Db
  keys: StackKeys
  /** Access-token lifetime in seconds (GoTrue's default 3600; `JWT_EXPIRY` overrides). */
  jwtExpiry: number
  /** GoTrue's settings from config.toml, its rate limits, clock and SMS outbox. */
  auth: AuthRuntime
}
