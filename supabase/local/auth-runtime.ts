// The local GoTrue's state beside the database: settings, limits, clock and the SMS outbox.
import type { AuthConfig, AuthConfigOverrides } from './auth-config'
import type { Clock } from './auth-limits'
import { loadAuthConfig } from './auth-config'
import { AuthLimits } from './auth-limits'
import { SmsOutbox } from './sms-outbox'

export interface AuthRuntime {
  config: AuthConfig
  limits: AuthLimits
  sms: SmsOutbox
  now: Clock
}

export interface AuthOptions extends AuthConfigOverrides {
  /** Milliseconds since the epoch; tests pass a clock they step. */
  now?: Clock
  /** Where outbox lines are printed (default console.log). */
  log?: (line: string) => void
}

export function createAuthRuntime(opts: AuthOptions = {}): AuthRuntime {
  const now = opts.now ?? Date.now
  const config = loadAuthConfig(opts)
  return { config, limits: new AuthLimits(config, now), sms: new SmsOutbox(now, opts.log), now }
}
