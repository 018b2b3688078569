// supabase/config.toml as the Supabase CLI reads it (apps/cli-go/pkg/config: the struct's toml
// tags and its validate()), parsed with the parser the local stack uses. It fails when a key is
// one the CLI does not know (a typo is ignored silently by the CLI), or when `supabase start`
// would switch off something the app depends on: phone sign-up with SMS confirmations (the CLI
// drops phone login when no SMS provider is enabled, Send SMS hook or not), e-mail sign-up,
// test OTPs for the demo numbers, the rate limits.
import { describe, expect, it } from 'vitest'
import { authConfigFrom, CLI_DEFAULTS, readConfigToml } from '../../supabase/local/auth-config'

type Doc = Record<string, unknown>

/**
 * The keys the CLI knows, per table, from its config struct (pkg/config/{config,db,api,auth}.go)
 * for the tables this project uses; '*' = a map whose keys are free (test_otp, vault).
 * Add a table here only after checking the CLI's struct.
 */
const KNOWN: Record<string, string[] | '*'> = {
  '': ['project_id', 'api', 'db', 'realtime', 'studio', 'inbucket', 'storage', 'auth', 'edge_runtime', 'functions', 'analytics', 'experimental', 'remotes'],
  'api': ['enabled', 'port', 'schemas', 'extra_search_path', 'max_rows', 'tls', 'external_url'],
  'db': ['port', 'shadow_port', 'health_timeout', 'major_version', 'root_key', 'pooler', 'migrations', 'seed', 'settings', 'network_restrictions', 'ssl_enforcement', 'vault'],
  'db.pooler': ['enabled', 'port', 'pool_mode', 'default_pool_size', 'max_client_conn'],
  'db.seed': ['enabled', 'sql_paths'],
  'db.migrations': ['enabled', 'schema_paths'],
  'realtime': ['enabled', 'ip_version', 'max_header_length'],
  'studio': ['enabled', 'port', 'api_url', 'openai_api_key'],
  'inbucket': ['enabled', 'port', 'smtp_port', 'pop3_port', 'admin_email', 'sender_name'],
  'storage': ['enabled', 'file_size_limit', 'buckets', 's3_protocol', 'image_transformation', 'analytics', 'vector'],
  'edge_runtime': ['enabled', 'policy', 'inspector_port', 'secrets', 'deno_version'],
  'analytics': ['enabled', 'port', 'backend', 'gcp_project_id', 'gcp_project_number', 'gcp_jwt_path', 'vector_port'],
  'auth': ['enabled', 'site_url', 'external_url', 'additional_redirect_urls', 'jwt_expiry', 'jwt_issuer', 'enable_refresh_token_rotation', 'refresh_token_reuse_interval', 'enable_manual_linking', 'enable_signup', 'enable_anonymous_sign_ins', 'minimum_password_length', 'password_requirements', 'signing_keys_path', 'passkey', 'webauthn', 'rate_limit', 'captcha', 'hook', 'mfa', 'sessions', 'email', 'sms', 'external', 'web3', 'oauth_server', 'publishable_key', 'secret_key', 'jwt_secret', 'anon_key', 'service_role_key', 'third_party'],
  'auth.rate_limit': ['anonymous_users', 'token_refresh', 'sign_in_sign_ups', 'token_verifications', 'email_sent', 'sms_sent', 'web3'],
  'auth.email': ['enable_signup', 'double_confirm_changes', 'enable_confirmations', 'secure_password_change', 'template', 'notification', 'smtp', 'max_frequency', 'otp_length', 'otp_expiry'],
  'auth.sms': ['enable_signup', 'enable_confirmations', 'template', 'twilio', 'twilio_verify', 'messagebird', 'textlocal', 'vonage', 'test_otp', 'max_frequency'],
  'auth.sms.test_otp': '*',
  'auth.sms.twilio': ['enabled', 'account_sid', 'message_service_sid', 'auth_token'],
  'auth.sms.twilio_verify': ['enabled', 'account_sid', 'message_service_sid', 'auth_token'],
  'auth.sms.messagebird': ['enabled', 'originator', 'access_key'],
  'auth.sms.textlocal': ['enabled', 'sender', 'api_key'],
  'auth.sms.vonage': ['enabled', 'from', 'api_key', 'api_secret'],
  'auth.hook': ['mfa_verification_attempt', 'password_verification_attempt', 'custom_access_token', 'send_sms', 'send_email', 'before_user_created'],
  'auth.hook.send_sms': ['enabled', 'uri', 'secrets'],
  'auth.hook.send_email': ['enabled', 'uri', 'secrets'],
  'auth.hook.custom_access_token': ['enabled', 'uri', 'secrets'],
  'auth.hook.before_user_created': ['enabled', 'uri', 'secrets'],
  'auth.sessions': ['timebox', 'inactivity_timeout'],
}

const isTable = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)

/** Every key path the CLI would not recognise. */
function unknownKeys(doc: Doc, path = ''): string[] {
  const known = KNOWN[path]
  if (known === '*')
    return []
  const out: string[] = []
  for (const [k, v] of Object.entries(doc)) {
    const full = path ? `${path}.${k}` : k
    if (!known)
      out.push(`${full} (table [${path}] is not in the list taken from the CLI)`)
    else if (!known.includes(k))
      out.push(full)
    else if (isTable(v))
      out.push(...unknownKeys(v, full))
  }
  return out
}

const PROVIDERS: Record<string, string[]> = {
  twilio: ['account_sid', 'message_service_sid', 'auth_token'],
  twilio_verify: ['account_sid', 'message_service_sid', 'auth_token'],
  messagebird: ['originator', 'access_key'],
  textlocal: ['sender', 'api_key'],
  vonage: ['from', 'api_key', 'api_secret'],
}

/** The CLI's sms.validate(): a provider with its fields, or phone login is switched off. */
function smsProblems(doc: Doc): string[] {
  const sms = (doc.auth as Doc | undefined)?.sms as Doc | undefined
  if (!sms?.enable_signup)
    return ['auth.sms.enable_signup is off']
  const enabled = Object.keys(PROVIDERS).filter(p => (sms[p] as Doc | undefined)?.enabled === true)
  if (enabled.length === 0)
    return ['no SMS provider is enabled: the CLI disables phone login']
  const problems: string[] = []
  for (const p of enabled.slice(0, 1)) {
    for (const f of PROVIDERS[p]!) {
      const v = (sms[p] as Doc)[f]
      if (typeof v !== 'string' || v === '')
        problems.push(`auth.sms.${p}.${f} is required`)
      // env(X) with X unset makes `supabase start` fail (assertEnvLoaded)
      else if (/^env\(/.test(v))
        problems.push(`auth.sms.${p}.${f} needs an environment variable for every developer`)
    }
  }
  return problems
}

/** The CLI's hookConfig.validate() for an enabled hook. */
function hookProblems(hook: Doc | undefined, name: string): string[] {
  if (!hook || hook.enabled !== true)
    return []
  const uri = String(hook.uri ?? '')
  if (/^https?:/i.test(uri))
    return /^v1,whsec_[A-Za-z0-9+/=]{32,88}$|^env\(/.test(String(hook.secrets ?? '')) ? [] : [`auth.hook.${name}.secrets must be v1,whsec_…`]
  if (/^pg-functions:/i.test(uri))
    return hook.secrets ? [`auth.hook.${name}.secrets is unsupported for pg-functions URI`] : []
  return [`auth.hook.${name}.uri should be a HTTP, HTTPS, or pg-functions URI`]
}

const doc = readConfigToml()
const auth = doc.auth as Doc

describe('supabase/config.toml', () => {
  it('has only keys the Supabase CLI knows', () => {
    expect(unknownKeys(doc)).toEqual([])
  })

  it('keeps phone sign-in on under `supabase start`, with codes required', () => {
    expect(smsProblems(doc)).toEqual([])
    const sms = auth.sms as Doc
    expect(sms.enable_confirmations).toBe(true)
    expect(hookProblems((auth.hook as Doc | undefined)?.send_sms as Doc | undefined, 'send_sms')).toEqual([])
    // the demo accounts' numbers have fixed codes, so local sign-in by code needs no SMS
    const otp = sms.test_otp as Doc
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(otp[`861380000000${n}`]).toMatch(/^\d{6}$/)
  })

  it('keeps e-mail sign-up on and passwords at GoTrue\'s minimum or more', () => {
    expect(auth.enable_signup).toBe(true)
    expect((auth.email as Doc).enable_signup).toBe(true)
    expect(auth.minimum_password_length).toBeGreaterThanOrEqual(6)
  })

  it('states the rate limits, and the local stack reads what the CLI would pass to GoTrue', () => {
    const rl = auth.rate_limit as Doc
    for (const k of ['sign_in_sign_ups', 'token_refresh', 'token_verifications', 'sms_sent']) expect(rl[k]).toBeGreaterThan(0)
    const cfg = authConfigFrom(doc)
    expect(cfg.rateLimit).toEqual({ signInSignUps: rl.sign_in_sign_ups, tokenRefresh: rl.token_refresh, tokenVerifications: rl.token_verifications, smsSent: rl.sms_sent })
    expect(cfg.sms.enableConfirmations).toBe(true)
    expect(cfg.sms.maxFrequencyMs).toBe(5_000)
    // the CLI runs the template through Go's text/template once before GoTrue sees it
    expect(cfg.sms.template).toContain('{{ .Code }}')
    expect(cfg.sms.template).not.toContain('`')
    expect(cfg.sms.otpExpirySec).toBe(CLI_DEFAULTS.sms.otpExpirySec)
  })

  it('the checks catch what they are for', () => {
    expect(unknownKeys({ auth: { sms: { enable_confirmation: true } } })).toEqual(['auth.sms.enable_confirmation'])
    expect(smsProblems({ auth: { sms: { enable_signup: true, test_otp: { 8613800000001: '123456' } } } })).toEqual(['no SMS provider is enabled: the CLI disables phone login'])
    expect(smsProblems({ auth: { sms: { enable_signup: true, twilio: { enabled: true, account_sid: 'a', message_service_sid: 'b', auth_token: 'env(X)' } } } }))
      .toEqual(['auth.sms.twilio.auth_token needs an environment variable for every developer'])
    expect(hookProblems({ enabled: true, uri: 'pg-functions://postgres/public/f', secrets: 'x' }, 'send_sms')).toHaveLength(1)
    expect(hookProblems({ enabled: true, uri: 'ftp://x' }, 'send_sms')).toHaveLength(1)
  })
})
