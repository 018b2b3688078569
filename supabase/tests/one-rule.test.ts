import type { Db } from '../local/db'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, expectError, freshDb, ids } from './db'

// Rules that were written more than once in SQL and now have one definition (#17): what an
// invite's state is (app.invite_status), and what a reading's sections must be and look like
// (app.check_reading_sections, app.section_json). Each caller gives the answers it gave before.
let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('an invite\'s state, once', () => {
  it('the list, the preview, redeeming and home\'s count agree on every state', async () => {
    const sec = as(db, ids.secretaryB)
    const activeBefore = (await sec.query<{ h: { active_invites: number } }>('select app.home_admin() as h')).rows[0]!.h.active_invites
    await db.exec(`insert into app.invites (org_id, code, created_by) values ('${ids.branchB}', 'RULEOPEN', '${ids.secretaryB}');
      insert into app.invites (org_id, code, expires_at, created_by) values ('${ids.branchB}', 'RULEOLD1', now() - interval '1 minute', '${ids.secretaryB}');
      insert into app.invites (org_id, code, revoked_at, created_by) values ('${ids.branchB}', 'RULEREV1', now(), '${ids.secretaryB}');
      insert into app.invites (org_id, code, max_uses, use_count, created_by) values ('${ids.branchB}', 'RULEFULL', 2, 2, '${ids.secretaryB}');
      insert into app.invites (org_id, code, max_uses, use_count, expires_at, created_by) values ('${ids.branchB}', 'RULELAST', 2, 1, now() + interval '1 day', '${ids.secretaryB}')`)
    const list = await sec.rpc<{ code: string, status: string }[]>('invite_list', { p_org_id: ids.branchB })
    const status = Object.fromEntries(list.filter(i => i.code.startsWith('RULE')).map(i => [i.code, i.status]))
    expect(status).toEqual({ RULEOPEN: 'active', RULEOLD1: 'expired', RULEREV1: 'revoked', RULEFULL: 'used_up', RULELAST: 'active' })
    const home = (await sec.query<{ h: { active_invites: number } }>('select app.home_admin() as h')).rows[0]!.h
    expect(home.active_invites - activeBefore).toBe(2)

    const anon = as(db, null)
    expect(await anon.rpc('invite_preview', { p_code: 'rulelast' })).toMatchObject({ org_id: ids.branchB })
    await expectError(anon.rpc('invite_preview', { p_code: 'RULEOLD1' }), 'invite.expired')
    await expectError(anon.rpc('invite_preview', { p_code: 'RULEREV1' }), 'invite.revoked')
    await expectError(anon.rpc('invite_preview', { p_code: 'RULEFULL' }), 'invite.used_up')
    // a member already in the organisation who redeems a used-up code again gets the same answer
    expect(await as(db, ids.teacherB).rpc('invite_redeem', { p_code: 'RULEFULL' })).toMatchObject({ org_id: ids.branchB })
    await expectError(as(db, ids.teacherA).rpc('invite_redeem', { p_code: 'RULEFULL' }), 'invite.used_up')
    await expectError(as(db, ids.teacherA).rpc('invite_redeem', { p_code: 'RULEOLD1' }), 'invite.expired')
  })
})

describe('a reading\'s sections, once', () => {
  const section = (title: string, extra: Record<string, unknown> = {}) => ({ title, body_md: `# ${title}`, est_minutes: 10, ...extra })
  // jsonb arguments go as JSON text, as PostgREST sends them (a JS array would be a SQL array)
  const j = (v: unknown) => JSON.stringify(v)

  it('reading_create and reading_update refuse the same sections with the same keys', async () => {
    const sec = as(db, ids.secretaryA)
    const id = randomUUID()
    await sec.rpc('reading_create', { p_id: id, p_org_id: ids.branchA, p_title: '一处规则', p_sections: j([section('一')]) })
    const bad: [unknown, string][] = [
      [[], 'readings.sections_required'],
      [{}, 'readings.sections_required'],
      [Array.from({ length: 101 }, (_, i) => section(`节${i}`)), 'readings.too_many_sections'],
      [['x'], 'readings.section_invalid'],
      [[{ title: 3 }], 'readings.section_invalid'],
      [[section('', {})], 'readings.section_title_required'],
      [[section('长', { body_md: 'x'.repeat(50_001) })], 'readings.body_too_long'],
      [[section('分', { est_minutes: 0 })], 'readings.minutes_invalid'],
      [[section('分', { est_minutes: 1.5 })], 'readings.minutes_invalid'],
    ]
    for (const [sections, key] of bad) {
      await expectError(sec.rpc('reading_create', { p_id: randomUUID(), p_org_id: ids.branchA, p_title: 'x', p_sections: j(sections) }), key)
      const withIds = Array.isArray(sections) ? sections.map(s => (s && typeof s === 'object' ? { id: randomUUID(), ...s } : s)) : sections
      await expectError(sec.rpc('reading_update', { p_reading_id: id, p_title: '一处规则', p_sections: j(withIds) }), key)
    }
    // only an edit needs ids, each once
    await expectError(sec.rpc('reading_update', { p_reading_id: id, p_title: '一处规则', p_sections: j([section('无号')]) }), 'readings.section_invalid')
    const dup = randomUUID()
    await expectError(sec.rpc('reading_update', { p_reading_id: id, p_title: '一处规则', p_sections: j([{ id: dup, ...section('甲') }, { id: dup, ...section('乙') }]) }), 'readings.section_duplicate')
    // a new reading ignores whatever id a section carries, as it did
    const made = await sec.rpc<{ reading: { id: string } }>('reading_create', { p_id: randomUUID(), p_org_id: ids.branchA, p_title: '带号', p_sections: j([section('甲', { id: 'not-a-uuid' }), section('乙')]) })
    const { rows } = await db.query<{ title: string, position: number }>('select title, position from app.reading_sections where reading_id = $1 order by position', [made.reading.id])
    expect(rows).toEqual([{ title: '甲', position: 1 }, { title: '乙', position: 2 }])
  })

  it('the checklist and the texts show a section alike, one with its text, one with whether it has one', async () => {
    const me = as(db, ids.teacherA)
    const { rows } = await db.query<{ id: string }>(
      `select r.id from app.readings r join app.reading_sections s on s.reading_id = r.id
        where r.org_id = $1 group by r.id order by r.id limit 1`,
      [ids.bureau],
    )
    const readingId = rows[0]!.id
    const detail = await me.rpc<{ sections: Record<string, unknown>[] }>('reading_detail', { p_reading_id: readingId })
    const texts = await me.rpc<{ sections: Record<string, unknown>[] }>('reading_texts', { p_reading_id: readingId })
    expect(detail.sections.length).toBeGreaterThan(0)
    expect(Object.keys(detail.sections[0]!).sort()).toEqual(['est_minutes', 'has_text', 'id', 'position', 'read_at', 'title', 'where_to_read'])
    expect(Object.keys(texts.sections[0]!).sort()).toEqual(['body_md', 'est_minutes', 'id', 'position', 'read_at', 'title', 'where_to_read'])
    texts.sections.forEach((s, i) => {
      const { body_md, ...rest } = s
      const { has_text, ...same } = detail.sections[i]!
      expect(same).toEqual(rest)
      expect(has_text).toBe(body_md !== null)
    })
  })
})
