import { i18n } from '@/modules/i18n'
import { ApiError, toApiError } from './client'

// Keys here are computed strings: skip vue-i18n's key-path types.
const g = () => i18n.global as unknown as { te: (key: string, locale?: string) => boolean, t: (key: string) => string }

/**
 * The i18n key for an error: `errors.<key>` (e.g. `errors.checkin.code_expired`) when the
 * locale has it, else `errors.<area>.unknown` when the area has a generic message,
 * else `errors.unknown`. Add the keys your SQL raises to src/locales/<lang>/errors.json.
 */
export function errorKey(err: unknown): string {
  const e = err instanceof ApiError ? err : toApiError(err)
  // zh-CN is the source locale: a key it lacks does not exist.
  const has = (k: string) => g().te(k, 'zh-CN')
  const exact = `errors.${e.key}`
  if (has(exact))
    return exact
  const area = `errors.${e.key.split('.')[0]}.unknown`
  if (has(area))
    return area
  return 'errors.unknown'
}

/** The translated, user-facing text for an error. */
export function errorMessage(err: unknown): string {
  return g().t(errorKey(err))
}
