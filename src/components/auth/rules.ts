import type { FieldRule } from 'vant'
import { isEmail, PASSWORD_MAX_BYTES, passwordBytes, phoneOf } from '@/api/auth'

type T = (key: string, named?: Record<string, unknown>) => string

export const PASSWORD_MIN = 6

/** Vant Form rules shared by sign-in, sign-up and change-password. */
export function authRules(t: T) {
  const login: FieldRule[] = [
    { required: true, message: t('auth.rules.login_required') },
    { validator: (v: string) => !!phoneOf(v) || isEmail(v), message: t('auth.rules.login_invalid') },
  ]
  const password: FieldRule[] = [
    { required: true, message: t('auth.rules.password_required') },
  ]
  const newPassword: FieldRule[] = [
    { required: true, message: t('auth.rules.password_required') },
    { validator: (v: string) => v.length >= PASSWORD_MIN, message: t('auth.rules.password_short', { n: PASSWORD_MIN }) },
    { validator: (v: string) => passwordBytes(v) <= PASSWORD_MAX_BYTES, message: t('auth.rules.password_long') },
  ]
  const name: FieldRule[] = [
    { required: true, message: t('auth.rules.name_required') },
    { validator: (v: string) => v.trim().length <= 40, message: t('errors.profile.name_too_long') },
  ]
  // optional; when given it must be what profile_update accepts (app.normalise_phone)
  const phone: FieldRule[] = [
    { validator: (v: string) => !v.trim() || !!phoneOf(v), message: t('errors.profile.phone_invalid') },
  ]
  return { login, password, newPassword, name, phone }
}
