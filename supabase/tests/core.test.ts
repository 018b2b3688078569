import type { Db } from '../local/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, as, count, createUser, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('organisation visibility', () => {
  it('a teacher sees their branch and everything above it, not a sibling school', async () => {
    const { rows } = await as(db, ids.teacherA).query<{ id: string }>('select id from app.organisations')
    const seen = rows.map(r => r.id).sort()
    expect(seen).toEqual([ids.bureau, ids.school1, ids.branchA].sort())
  })

  it('a secretary of a general branch sees what is below it', async () => {
    const { rows } = await as(db, ids.secretaryB).query<{ id: string }>('select id from app.organisations')
    expect(rows.map(r => r.id)).toContain(ids.groupB)
    expect(rows.map(r => r.id)).not.toContain(ids.branchA)
  })

  it('the bureau admin sees every organisation', async () => {
    const all = await count(db, 'select 1 from app.organisations')
    expect(await count(as(db, ids.admin) as unknown as Db, 'select 1 from app.organisations')).toBe(all)
  })

  it('anonymous callers see nothing', async () => {
    await expect(as(db, null).query('select * from app.organisations')).rejects.toThrow(/permission denied/)
    await expect(as(db, null).query('select * from app.profiles')).rejects.toThrow(/permission denied/)
  })

  it('only the bureau admin creates organisations', async () => {
    const insert = `insert into app.organisations (parent_id, kind, name) values ('${ids.school1}', 'branch', '新支部')`
    await expect(as(db, ids.secretaryA).exec(insert)).rejects.toThrow(/row-level security/)
    await as(db, ids.admin).exec(insert)
    expect(await count(db, `select 1 from app.organisations where name = '新支部'`)).toBe(1)
  })

  it('moving an organisation rewrites the paths below it and refuses cycles', async () => {
    await db.exec(`update app.organisations set parent_id = '${ids.school1}' where id = '${ids.school2}'`)
    const { rows } = await db.query<{ path: string[] }>(`select path from app.organisations where id = '${ids.groupB}'`)
    expect(rows[0].path).toEqual([ids.bureau, ids.school1, ids.school2, ids.branchB, ids.groupB])
    await expect(db.exec(`update app.organisations set parent_id = '${ids.groupB}' where id = '${ids.school2}'`)).rejects.toThrow('org.cycle')
    await db.exec(`update app.organisations set parent_id = '${ids.bureau}' where id = '${ids.school2}'`)
  })
})

describe('profiles and phones', () => {
  it('a new account gets a profile from its sign-up data', async () => {
    const id = await createUser(db, { name: '新老师', phone: '8613911112222' })
    const { rows } = await db.query('select p.display_name, c.phone from app.profiles p join app.profile_contacts c using (user_id) where user_id = $1', [id])
    expect(rows[0]).toEqual({ display_name: '新老师', phone: '8613911112222' })
  })

  it('a phone is seen by the member and their secretary, not by other members', async () => {
    const sql = `select phone from app.profile_contacts where user_id = '${ids.teacherA}'`
    expect((await as(db, ids.teacherA).query(sql)).rows).toHaveLength(1)
    expect((await as(db, ids.secretaryA).query(sql)).rows).toHaveLength(1)
    expect((await as(db, ids.teacherA2).query(sql)).rows).toHaveLength(0)
    expect((await as(db, ids.secretaryB).query(sql)).rows).toHaveLength(0)
  })

  it('profile_update validates and changes only the caller', async () => {
    const me = as(db, ids.teacherA2)
    await expectError(me.rpc('profile_update', { p_display_name: '  ' }), 'profile.name_required')
    await expectError(me.rpc('profile_update', { p_display_name: '名'.repeat(41) }), 'profile.name_too_long')
    await expectError(me.rpc('profile_update', { p_display_name: '陈', p_phone: 'abc' }), 'profile.phone_invalid')
    const before = await db.query(`select display_name from app.profiles where user_id = '${ids.teacherA2}'`)
    expect(before.rows[0].display_name).toBe('陈老师（示例）')
    const p = await me.rpc('profile_update', { p_display_name: '陈老师', p_school: '一中', p_position: '教师', p_phone: '+86 139-0000-1111' })
    expect(p).toMatchObject({ display_name: '陈老师', school: '一中', phone: '8613900001111' })
    await expect(me.exec(`update app.profiles set display_name = 'x' where user_id = '${ids.teacherA}'`)).resolves.toBeUndefined()
    const other = await db.query(`select display_name from app.profiles where user_id = '${ids.teacherA}'`)
    expect(other.rows[0].display_name).toBe('张老师（示例）')
  })
})

describe('invites', () => {
  it('anonymous callers can preview a valid code', async () => {
    const p = await as(db, null).rpc('invite_preview', { p_code: 'demo2026' })
    expect(p).toMatchObject({ code: 'DEMO2026', org_id: ids.branchA, org_kind: 'branch', role: 'member' })
    await expectError(as(db, null).rpc('invite_preview', { p_code: 'NOPE99' }), 'invite.not_found')
  })

  it('anonymous callers cannot redeem', async () => {
    await expect(as(db, null).rpc('invite_redeem', { p_code: 'DEMO2026' })).rejects.toThrow(/permission denied/)
  })

  it('redeeming joins once, retries change nothing, and uses are counted', async () => {
    const u = await createUser(db)
    const first = await as(db, u).rpc('invite_redeem', { p_code: 'DEMO2026' })
    const again = await as(db, u).rpc('invite_redeem', { p_code: 'DEMO2026' })
    expect(again).toEqual(first)
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [u])).toBe(1)
    expect((await db.query(`select use_count from app.invites where code = 'DEMO2026'`)).rows[0].use_count).toBe(1)
  })

  it('expired, revoked and used-up invites are refused with nothing changed', async () => {
    await db.exec(`insert into app.invites (org_id, code, expires_at) values ('${ids.branchB}', 'OLDCODE1', now() - interval '1 day');
      insert into app.invites (org_id, code, revoked_at) values ('${ids.branchB}', 'REVOKED1', now());
      insert into app.invites (org_id, code, max_uses, use_count) values ('${ids.branchB}', 'FULLCODE', 1, 1);`)
    const u = await createUser(db)
    await expectError(as(db, u).rpc('invite_redeem', { p_code: 'OLDCODE1' }), 'invite.expired')
    await expectError(as(db, u).rpc('invite_redeem', { p_code: 'REVOKED1' }), 'invite.revoked')
    await expectError(as(db, u).rpc('invite_redeem', { p_code: 'FULLCODE' }), 'invite.used_up')
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [u])).toBe(0)
  })

  it('a member cannot read invites; a secretary reads their own only', async () => {
    expect(await count(as(db, ids.teacherA) as unknown as Db, 'select 1 from app.invites')).toBe(0)
    const { rows } = await as(db, ids.secretaryA).query<{ code: string }>('select code from app.invites')
    expect(rows.map(r => r.code)).toEqual(['DEMO2026'])
  })
})

describe('roles', () => {
  it('my_context describes memberships and what the user may manage', async () => {
    const ctx = await as(db, ids.principal).rpc('my_context')
    expect(ctx.memberships.map((m: any) => m.role).sort()).toEqual(['committee', 'member'])
    expect(ctx.can_manage).toBe(false)
    expect(ctx.memberships[0].path[0]).toBe('示例县教育局党委')
    const sec = await as(db, ids.secretaryA).rpc('my_context')
    expect(sec.can_manage).toBe(true)
    expect((await as(db, ids.admin).rpc('my_context')).is_admin).toBe(true)
  })

  it('a secretary cannot add a member outside their subtree or above their own rank', async () => {
    const u = await createUser(db)
    const sec = as(db, ids.secretaryA)
    await expect(sec.exec(`insert into app.memberships (org_id, user_id) values ('${ids.branchB}', '${u}')`)).rejects.toThrow(/row-level security/)
    await expect(sec.exec(`insert into app.memberships (org_id, user_id, role) values ('${ids.branchA}', '${u}', 'admin')`)).rejects.toThrow(/row-level security|member.admin_only_at_bureau/)
    // a committee member sees the school but does not manage it
    await expect(as(db, ids.principal).exec(`insert into app.memberships (org_id, user_id) values ('${ids.branchA}', '${u}')`)).rejects.toThrow(/row-level security/)
    await sec.exec(`insert into app.memberships (org_id, user_id, role) values ('${ids.branchA}', '${u}', 'committee')`)
  })

  it('the admin role exists only on the bureau', async () => {
    const u = await createUser(db)
    await expect(addMember(db, ids.branchA, u, 'admin')).rejects.toThrow('member.admin_only_at_bureau')
  })

  it('the audit log is read by bureau admins only and written only through app.audit', async () => {
    await as(db, ids.secretaryA).query(`select app.audit('${ids.branchA}', 'test.act', null, '{}')`)
    expect(await count(as(db, ids.secretaryA) as unknown as Db, 'select 1 from app.audit_log')).toBe(0)
    expect(await count(as(db, ids.admin) as unknown as Db, `select 1 from app.audit_log where action = 'test.act'`)).toBe(1)
    await expect(as(db, ids.admin).exec(`insert into app.audit_log (action) values ('x.y')`)).rejects.toThrow(/permission denied/)
  })
})

describe('realtime topics', () => {
  it('a member may join their organisation topic and their own user topic only', async () => {
    const check = (uid: string | null, topic: string) => as(db, uid).query<{ ok: boolean }>('select app.can_join_realtime_topic($1) as ok', [topic]).then(r => r.rows[0].ok)
    expect(await check(ids.teacherA, `org:${ids.branchA}`)).toBe(true)
    expect(await check(ids.teacherA, `org:${ids.branchB}`)).toBe(false)
    expect(await check(ids.teacherA, `user:${ids.teacherA}`)).toBe(true)
    expect(await check(ids.teacherA, `user:${ids.teacherB}`)).toBe(false)
    expect(await check(ids.teacherA, 'org:not-a-uuid')).toBe(false)
  })
})
