import type { Db } from '../local/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneOf } from '../../src/api/auth'
import { as, expectError, freshDb, ids } from './db'

// app.normalise_phone is the phone rule; phoneOf is the app's copy (sign-in, field rules). Both
// run over the same inputs here, on the real engine, so neither can drift from the other.
const inputs = [
  // valid, in every way people write them
  '13800138000',
  '19912345678',
  '8613800138000',
  '+8613800138000',
  '+86 138 0013 8000',
  '+86-138-0013-8000',
  '138-0013-8000',
  '(+86) 138 0013 8000',
  ' 13800138000 ',
  '138\t0013\t8000',
  '138\u00A00013\u00A08000',
  '138\u30000013\u30008000',
  '86 13800138000',
  '+1 3800138000', // '+' is a separator anywhere, so this is 13800138000
  // refused
  '',
  ' ',
  'abc',
  'a@b.cn',
  '1380013800',
  '138001380001',
  '12800138000',
  '10800138000',
  '23800138000',
  '28001380000',
  '0086 13800138000',
  '861380013800',
  '86138001380001',
  '8612800138000',
  '+85291234567',
  '02812345678',
  '１３８００１３８０００',
  '138００138000',
  '138．0013．8000',
  '138_0013_8000',
  '138.0013.8000',
  '138/0013/8000',
  '13800138000x',
  '138\u20140013\u20148000',
  '\u200B13800138000',
]

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('one phone rule', () => {
  it('phoneOf and app.normalise_phone agree on every input', async () => {
    const { rows } = await db.query<{ i: number, phone: string | null }>(
      `select i, app.normalise_phone(p) as phone from unnest($1::text[]) with ordinality as t(p, i)`,
      [inputs],
    )
    const sql = rows.sort((a, b) => a.i - b.i).map(r => r.phone)
    const app = inputs.map(phoneOf)
    const differ = inputs.map((p, k) => ({ input: p, sql: sql[k], app: app[k] })).filter(d => d.sql !== d.app)
    expect(differ).toEqual([])
    // the list holds both sides of the rule, so agreement is not agreement on "always null"
    expect(app.filter(Boolean)).toHaveLength(14)
    expect(new Set(app.filter(Boolean))).toEqual(new Set(['8613800138000', '8619912345678']))
  })

  it('profile_update stores the normalised phone and refuses what the rule refuses, changing nothing', async () => {
    const me = as(db, ids.teacherA2)
    const stored = async () => (await db.query<{ phone: string | null }>(
      'select phone from app.profile_contacts where user_id = $1',
      [ids.teacherA2],
    )).rows[0]!.phone
    const p = await me.rpc('profile_update', { p_display_name: '陈老师', p_phone: '139 0000 1111' })
    expect(p).toMatchObject({ phone: '8613900001111' })
    expect(await stored()).toBe('8613900001111')
    for (const bad of ['02812345678', '12900001111', '1390000111', '１３９００００１１１１']) {
      await expectError(me.rpc('profile_update', { p_display_name: '改名', p_phone: bad }), 'profile.phone_invalid')
      expect(await stored()).toBe('8613900001111')
    }
    const name = await db.query('select display_name from app.profiles where user_id = $1', [ids.teacherA2])
    expect(name.rows[0].display_name).toBe('陈老师')
    await me.rpc('profile_update', { p_display_name: '陈老师', p_phone: '  ' })
    expect(await stored()).toBeNull()
  })

  it('the seeds and the roster hold phones in the rule\'s stored form', async () => {
    const { rows } = await db.query<{ phone: string }>(
      `select phone from auth.users where coalesce(phone, '') <> ''
       union all select phone from app.profile_contacts where phone is not null
       union all select phone from app.pending_members`,
    )
    expect(rows.length).toBeGreaterThan(5)
    expect(rows.filter(r => phoneOf(r.phone) !== r.phone)).toEqual([])
  })
})
