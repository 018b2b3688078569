import type { Db } from '../local/db'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, count, createUser, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const q = (actor: ReturnType<typeof as>) => actor as unknown as Db
// jsonb arrays go as JSON text: node-postgres would send a JS array as a Postgres array
const J = (v: unknown) => JSON.stringify(v)
async function snapshot() {
  return (await db.query(`select
  (select count(*) from app.organisations)::int as orgs,
  (select count(*) from app.memberships)::int as memberships,
  (select count(*) from app.memberships where ended_at is null)::int as active,
  (select string_agg(role, ',' order by id) from app.memberships) as roles,
  (select count(*) from app.invites)::int as invites,
  (select count(*) from app.pending_members)::int as pending,
  (select count(*) from app.roster_imports)::int as imports,
  (select count(*) from app.audit_log)::int as audit,
  (select string_agg(name || coalesce(parent_id::text, '') || coalesce(retired_at::text, ''), ',' order by id) from app.organisations) as tree`)).rows[0]
}

async function membershipId(orgId: string, userId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('select id from app.memberships where org_id = $1 and user_id = $2 and ended_at is null', [orgId, userId])
  return rows[0].id
}

describe('organisation tree', () => {
  it('only a bureau admin creates, renames, moves and retires organisations', async () => {
    const before = await snapshot()
    for (const uid of [ids.secretaryA, ids.teacherA, ids.principal]) {
      await expectError(as(db, uid).rpc('org_create', { p_id: randomUUID(), p_parent_id: ids.school1, p_kind: 'branch', p_name: '越权支部' }), 'admin.forbidden')
      await expectError(as(db, uid).rpc('org_rename', { p_org_id: ids.branchA, p_name: '改名' }), 'admin.forbidden')
      await expectError(as(db, uid).rpc('org_move', { p_org_id: ids.branchA, p_parent_id: ids.school2 }), 'admin.forbidden')
      await expectError(as(db, uid).rpc('org_retire', { p_org_id: ids.branchA }), 'admin.forbidden')
    }
    await expect(as(db, null).rpc('org_create', { p_id: randomUUID(), p_parent_id: ids.school1, p_kind: 'branch', p_name: 'x' })).rejects.toThrow(/permission denied/)
    expect(await snapshot()).toEqual(before)
  })

  it('validates input and kind order, changing nothing', async () => {
    const admin = as(db, ids.admin)
    const before = await snapshot()
    const mk = (parent: string, kind: unknown, name: unknown, id: unknown = randomUUID()) =>
      admin.rpc('org_create', { p_id: id, p_parent_id: parent, p_kind: kind, p_name: name })
    await expectError(mk(ids.school1, 'branch', '  '), 'admin.name_required')
    await expectError(mk(ids.school1, 'branch', '长'.repeat(61)), 'admin.name_too_long')
    await expectError(mk(ids.school1, 'club', '俱乐部'), 'admin.kind_invalid')
    await expectError(mk(ids.school1, 'bureau', '第二个局'), 'admin.kind_invalid')
    await expectError(mk(ids.school1, 'group', '党小组直属党委'), 'admin.kind_not_allowed')
    await expectError(mk(ids.groupB, 'group', '小组下小组'), 'admin.kind_not_allowed')
    await expectError(mk(ids.branchA, 'branch', '支部下支部'), 'admin.kind_not_allowed')
    await expectError(mk(randomUUID(), 'branch', '无上级'), 'admin.org_not_found')
    await expectError(mk(ids.school1, 'branch', '示例一中第一党支部'), 'admin.name_taken')
    await expectError(mk(ids.school1, 'branch', '无编号', null), 'admin.id_required')
    expect(await snapshot()).toEqual(before)
  })

  it('creates idempotently, renames, moves and retires with an audit trail', async () => {
    const admin = as(db, ids.admin)
    const id = randomUUID()
    const first = await admin.rpc('org_create', { p_id: id, p_parent_id: ids.school1, p_kind: 'branch', p_name: ' 示例一中第三党支部 ' })
    expect(first).toMatchObject({ id, kind: 'branch', name: '示例一中第三党支部', parent_id: ids.school1, depth: 2 })
    expect(await admin.rpc('org_create', { p_id: id, p_parent_id: ids.school1, p_kind: 'branch', p_name: '示例一中第三党支部' })).toEqual(first)
    await expectError(admin.rpc('org_create', { p_id: id, p_parent_id: ids.school2, p_kind: 'branch', p_name: 'x' }), 'admin.id_conflict')
    expect(await count(db, 'select 1 from app.organisations where id = $1', [id])).toBe(1)

    expect(await admin.rpc('org_rename', { p_org_id: id, p_name: '示例一中第三支部' })).toMatchObject({ name: '示例一中第三支部' })
    await expectError(admin.rpc('org_rename', { p_org_id: id, p_name: '示例一中第二党支部' }), 'admin.name_taken')
    await expectError(admin.rpc('org_rename', { p_org_id: ids.bureau, p_name: '改' }), 'admin.org_is_root')

    await expectError(admin.rpc('org_move', { p_org_id: ids.school2, p_parent_id: ids.groupB }), 'admin.org_cycle')
    await expectError(admin.rpc('org_move', { p_org_id: id, p_parent_id: ids.branchB }), 'admin.kind_not_allowed')
    expect(await admin.rpc('org_move', { p_org_id: id, p_parent_id: ids.school2 })).toMatchObject({ parent_id: ids.school2 })

    const groupId = randomUUID()
    await admin.rpc('org_create', { p_id: groupId, p_parent_id: id, p_kind: 'group', p_name: '第一小组' })
    await expectError(admin.rpc('org_retire', { p_org_id: id }), 'admin.org_has_children')
    await expectError(admin.rpc('org_retire', { p_org_id: ids.branchA }), 'admin.org_has_members')
    await expectError(admin.rpc('org_retire', { p_org_id: ids.bureau }), 'admin.org_is_root')
    await admin.rpc('org_retire', { p_org_id: groupId })
    const retired = await admin.rpc('org_retire', { p_org_id: id })
    expect(retired.retired_at).not.toBeNull()
    // kept for history; a retired organisation takes no new children and no rename
    expect(await count(db, 'select 1 from app.organisations where id = $1', [id])).toBe(1)
    await expectError(admin.rpc('org_create', { p_id: randomUUID(), p_parent_id: id, p_kind: 'group', p_name: 'y' }), 'admin.org_retired')
    await expectError(admin.rpc('org_rename', { p_org_id: id, p_name: 'z' }), 'admin.org_retired')
    const tree = await admin.rpc('org_tree')
    expect(tree.map((o: any) => o.id)).not.toContain(id)
    expect((await admin.rpc('org_tree', { p_include_retired: true })).map((o: any) => o.id)).toContain(id)
    const { rows } = await db.query<{ action: string }>(`select action from app.audit_log where org_id in ($1, $2) order by id`, [id, groupId])
    expect(rows.map(r => r.action)).toEqual(['org.create', 'org.rename', 'org.move', 'org.create', 'org.retire', 'org.retire'])
  })

  it('org_tree shows a secretary their subtree only, a teacher nothing', async () => {
    const names = (await as(db, ids.secretaryB).rpc('org_tree')).map((o: any) => o.id)
    expect(names.sort()).toEqual([ids.branchB, ids.groupB].sort())
    expect(await as(db, ids.teacherA).rpc('org_tree')).toEqual([])
    expect((await as(db, ids.admin).rpc('org_tree'))[0]).toMatchObject({ id: ids.bureau, depth: 0 })
  })

  it('org_tree counts each organisation\'s active members, as a direct count does, after a join and an end', async () => {
    const direct = async () => new Map((await db.query<{ id: string, n: number }>(`
      select o.id, (select count(*)::int from app.memberships m where m.org_id = o.id and m.ended_at is null) as n
        from app.organisations o`)).rows.map(r => [r.id, r.n]))
    const shown = async () => new Map((await as(db, ids.admin).rpc('org_tree', { p_include_retired: true })).map((o: any) => [o.id, o.member_count]))
    const want = await direct()
    expect([...want.values()].some(n => n > 1)).toBe(true)
    expect(await shown()).toEqual(want)
    const u = await createUser(db)
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'member')`, [ids.branchB, u])
    await db.query(`update app.memberships set ended_at = now() where user_id = $1 and org_id = $2`, [ids.teacherA2, ids.branchA])
    const after = await direct()
    expect(after.get(ids.branchB)).toBe(want.get(ids.branchB)! + 1)
    expect(await shown()).toEqual(after)
    // as it was, for the tests below
    await db.query('delete from app.memberships where user_id = $1', [u])
    await db.query(`update app.memberships set ended_at = null where user_id = $1 and org_id = $2`, [ids.teacherA2, ids.branchA])
    expect(await shown()).toEqual(want)
  })
})

describe('roster and roles', () => {
  it('a secretary sees the members of their organisation and below with phones, nobody else', async () => {
    const r = await as(db, ids.secretaryB).rpc('roster', { p_org_id: ids.branchB })
    const people = r.members.map((m: any) => m.user_id)
    expect(people.sort()).toEqual([ids.secretaryB, ids.teacherB, ids.teacherBgroup].sort())
    expect(r.members.find((m: any) => m.user_id === ids.teacherB)).toMatchObject({ phone: '8613800000007', role: 'member', school: '示例县实验小学' })
    await expectError(as(db, ids.secretaryB).rpc('roster', { p_org_id: ids.branchA }), 'admin.org_not_found')
    await expectError(as(db, ids.secretaryA).rpc('roster', { p_org_id: ids.school1 }), 'admin.forbidden')
    await expectError(as(db, ids.teacherA).rpc('roster', { p_org_id: ids.branchA }), 'admin.forbidden')
    await expectError(as(db, ids.principal).rpc('roster', { p_org_id: ids.branchA2 }), 'admin.forbidden')
    await expect(as(db, null).rpc('roster', { p_org_id: ids.branchA })).rejects.toThrow(/permission denied/)
    const all = await as(db, ids.admin).rpc('roster', { p_org_id: ids.bureau })
    expect(all.members.length).toBeGreaterThanOrEqual(10)
  })

  it('role changes stay within reach and at or below the own rank', async () => {
    const sec = as(db, ids.secretaryA)
    const before = await snapshot()
    const mA = await membershipId(ids.branchA, ids.teacherA)
    const mB = await membershipId(ids.branchB, ids.teacherB)
    await expectError(sec.rpc('member_set_role', { p_membership_id: mB, p_role: 'committee' }), 'admin.member_not_found')
    await expectError(sec.rpc('member_set_role', { p_membership_id: mA, p_role: 'admin' }), 'admin.role_above_own')
    await expectError(sec.rpc('member_set_role', { p_membership_id: mA, p_role: 'boss' }), 'admin.role_invalid')
    await expectError(sec.rpc('member_set_role', { p_membership_id: await membershipId(ids.branchA, ids.secretaryA), p_role: 'member' }), 'admin.self')
    await expectError(as(db, ids.teacherA2).rpc('member_set_role', { p_membership_id: mA, p_role: 'committee' }), 'admin.member_not_found')
    await expectError(as(db, ids.admin).rpc('member_set_role', { p_membership_id: mA, p_role: 'admin' }), 'admin.role_invalid')
    expect(await snapshot()).toEqual(before)
    expect(await sec.rpc('member_set_role', { p_membership_id: mA, p_role: 'committee' })).toMatchObject({ role: 'committee' })
    expect((await db.query('select role from app.memberships where id = $1', [mA])).rows[0].role).toBe('committee')
    expect(await count(db, `select 1 from app.audit_log where action = 'member.set_role' and subject_id = $1`, [ids.teacherA])).toBe(1)
    await sec.rpc('member_set_role', { p_membership_id: mA, p_role: 'member' })
  })

  it('a secretary cannot change someone ranked above them', async () => {
    const adminM = await membershipId(ids.bureau, ids.admin)
    await expectError(as(db, ids.secretaryA).rpc('member_remove', { p_membership_id: adminM }), 'admin.member_not_found')
    // a second secretary made by the admin in branch A is the same rank: allowed; the admin above is not
    const u = await createUser(db)
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'admin')`, [ids.bureau, u])
    const other = await membershipId(ids.bureau, u)
    const sec = await createUser(db)
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'secretary')`, [ids.bureau, sec])
    await expectError(as(db, sec).rpc('member_set_role', { p_membership_id: other, p_role: 'member' }), 'admin.role_above_own')
  })

  it('moves a member within reach, keeping history', async () => {
    const sec = as(db, ids.secretaryA)
    const mA2 = await membershipId(ids.branchA, ids.teacherA2)
    const before = await snapshot()
    await expectError(sec.rpc('member_move', { p_membership_id: mA2, p_to_org_id: ids.branchB }), 'admin.org_not_found')
    await expectError(sec.rpc('member_move', { p_membership_id: mA2, p_to_org_id: ids.branchA2 }), 'admin.org_not_found')
    await expectError(sec.rpc('member_move', { p_membership_id: mA2, p_to_org_id: ids.branchA }), 'admin.same_org')
    expect(await snapshot()).toEqual(before)
    // the school committee's secretary reaches both branches
    const schoolSec = await createUser(db)
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'secretary')`, [ids.school1, schoolSec])
    const s = as(db, schoolSec)
    const moved = await s.rpc('member_move', { p_membership_id: mA2, p_to_org_id: ids.branchA2 })
    expect(moved).toMatchObject({ org_id: ids.branchA2 })
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2 and ended_at is not null', [ids.teacherA2, ids.branchA])).toBe(1)
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2 and ended_at is null', [ids.teacherA2, ids.branchA2])).toBe(1)
    await expectError(s.rpc('member_move', { p_membership_id: mA2, p_to_org_id: ids.branchA2 }), 'admin.member_not_found')
    // principal already in branchA2: moving his committee seat there is a conflict
    await expectError(as(db, ids.admin).rpc('member_move', { p_membership_id: await membershipId(ids.school1, ids.principal), p_to_org_id: ids.branchA2 }), 'admin.already_member')
  })

  it('removes a member with a reason, keeping history', async () => {
    const sec = as(db, ids.secretaryB)
    const m = await membershipId(ids.groupB, ids.teacherBgroup)
    await expectError(sec.rpc('member_remove', { p_membership_id: m, p_reason: '理'.repeat(201) }), 'admin.reason_too_long')
    await expectError(as(db, ids.secretaryA).rpc('member_remove', { p_membership_id: m, p_reason: '' }), 'admin.member_not_found')
    expect(await count(db, 'select 1 from app.memberships where id = $1 and ended_at is null', [m])).toBe(1)
    await sec.rpc('member_remove', { p_membership_id: m, p_reason: '调离本县' })
    expect(await count(db, 'select 1 from app.memberships where id = $1 and ended_at is not null', [m])).toBe(1)
    const { rows } = await db.query(`select detail from app.audit_log where action = 'member.remove' and subject_id = $1`, [ids.teacherBgroup])
    expect(rows[0].detail).toMatchObject({ reason: '调离本县', membership_id: m })
    await expectError(sec.rpc('member_remove', { p_membership_id: m }), 'admin.member_not_found')
  })
})

describe('invites', () => {
  const future = () => new Date(Date.now() + 7 * 86400_000).toISOString()

  it('a secretary creates an invite with a server-made code; a retry returns the same invite', async () => {
    const sec = as(db, ids.secretaryA)
    const id = randomUUID()
    const inv = await sec.rpc('invite_create', { p_id: id, p_org_id: ids.branchA, p_expires_at: future(), p_max_uses: 30, p_role: 'member' })
    expect(inv.code).toMatch(/^[A-Z2-9]{8}$/)
    expect(inv).toMatchObject({ id, status: 'active', max_uses: 30, use_count: 0 })
    expect(await sec.rpc('invite_create', { p_id: id, p_org_id: ids.branchA, p_expires_at: future(), p_max_uses: 30 })).toEqual(inv)
    expect(await count(db, 'select 1 from app.invites where id = $1', [id])).toBe(1)
    const list = await sec.rpc('invite_list', { p_org_id: ids.branchA })
    expect(list.map((i: any) => i.id)).toContain(id)
    // someone who signs up with it lands in branch A
    const u = await createUser(db)
    expect(await as(db, u).rpc('invite_redeem', { p_code: inv.code })).toMatchObject({ org_id: ids.branchA })
  })

  it('validates and refuses outside reach, changing nothing', async () => {
    const sec = as(db, ids.secretaryA)
    const before = await snapshot()
    const mk = (over: Record<string, unknown>) => sec.rpc('invite_create', { p_id: randomUUID(), p_org_id: ids.branchA, p_expires_at: future(), p_max_uses: 10, p_role: 'member', ...over })
    await expectError(mk({ p_org_id: ids.branchB }), 'admin.org_not_found')
    await expectError(mk({ p_org_id: ids.school1 }), 'admin.forbidden')
    await expectError(mk({ p_expires_at: new Date(Date.now() - 1000).toISOString() }), 'admin.expiry_past')
    await expectError(mk({ p_expires_at: null }), 'admin.expiry_required')
    await expectError(mk({ p_expires_at: new Date(Date.now() + 400 * 86400_000).toISOString() }), 'admin.expiry_too_far')
    await expectError(mk({ p_max_uses: 0 }), 'admin.max_uses_invalid')
    await expectError(mk({ p_max_uses: 10001 }), 'admin.max_uses_invalid')
    await expectError(mk({ p_role: 'secretary' }), 'admin.role_invalid')
    await expectError(mk({ p_id: null }), 'admin.id_required')
    await expectError(as(db, ids.teacherA).rpc('invite_list', { p_org_id: ids.branchA }), 'admin.forbidden')
    await expectError(as(db, ids.secretaryB).rpc('invite_list', { p_org_id: ids.branchA }), 'admin.org_not_found')
    expect(await snapshot()).toEqual(before)
  })

  it('a revoked or expired invite is refused at sign-up', async () => {
    const sec = as(db, ids.secretaryA)
    const inv = await sec.rpc('invite_create', { p_id: randomUUID(), p_org_id: ids.branchA, p_expires_at: future(), p_max_uses: null })
    await expectError(as(db, ids.secretaryB).rpc('invite_revoke', { p_invite_id: inv.id }), 'admin.invite_not_found')
    expect(await count(db, 'select 1 from app.invites where id = $1 and revoked_at is null', [inv.id])).toBe(1)
    expect(await sec.rpc('invite_revoke', { p_invite_id: inv.id })).toMatchObject({ status: 'revoked' })
    const u = await createUser(db)
    await expectError(as(db, u).rpc('invite_redeem', { p_code: inv.code }), 'invite.revoked')
    const inv2 = await sec.rpc('invite_create', { p_id: randomUUID(), p_org_id: ids.branchA, p_expires_at: future(), p_max_uses: 5 })
    await db.query(`update app.invites set expires_at = now() - interval '1 minute' where id = $1`, [inv2.id])
    await expectError(as(db, u).rpc('invite_redeem', { p_code: inv2.code }), 'invite.expired')
    expect((await sec.rpc('invite_list', { p_org_id: ids.branchA })).find((i: any) => i.id === inv2.id).status).toBe('expired')
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [u])).toBe(0)
  })
})

describe('roster import', () => {
  const rows = [
    { name: '新老师甲', phone: '139 0000 1001', org: '', role: '党员' },
    { name: '新老师乙', phone: '+86 139-0000-1002', org: '示例实验小学低年级党小组', role: 'committee' },
  ]

  it('lists every bad row with its reasons', async () => {
    const sec = as(db, ids.secretaryB)
    const res = await sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J([
      ...rows,
      { name: '', phone: '12345', org: '示例一中第一党支部', role: '校长' },
      { name: '名'.repeat(41), phone: '13900001001', org: '', role: '书记' },
      { name: '重复', phone: '13900001003', org: '不存在的支部', role: 'admin' },
      { name: '已在册', phone: '13800000007', org: '', role: '' },
      'not an object',
    ]) })
    expect(res.total).toBe(7)
    expect(res.bad).toBe(5)
    const errs = res.rows.map((r: any) => r.errors)
    expect(errs[0]).toEqual([])
    expect(res.rows[0]).toMatchObject({ phone: '8613900001001', org_id: ids.branchB, role: 'member' })
    expect(res.rows[1]).toMatchObject({ phone: '8613900001002', org_id: ids.groupB, role: 'committee' })
    expect(errs[2]).toEqual(['name_required', 'phone_invalid', 'org_not_found', 'role_invalid'])
    expect(errs[3]).toEqual(['name_too_long', 'phone_duplicate'])
    expect(errs[4]).toEqual(['org_not_found', 'role_invalid'])
    expect(errs[5]).toEqual(['already_member'])
    expect(errs[6]).toEqual(['row_invalid'])
    // a member's secretary of branch B cannot make a secretary above... rank equal is fine, a teacher cannot check at all
    await expectError(as(db, ids.teacherB).rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J(rows) }), 'admin.forbidden')
    await expectError(sec.rpc('roster_import_check', { p_org_id: ids.branchA, p_rows: J(rows) }), 'admin.org_not_found')
    await expectError(sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J([]) }), 'admin.rows_empty')
    await expectError(sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: { a: 1 } }), 'admin.rows_invalid')
  })

  it('a role above the importer\'s own rank is a bad row', async () => {
    const committee = await createUser(db)
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'secretary')`, [ids.groupB, committee])
    const res = await as(db, committee).rpc('roster_import_check', { p_org_id: ids.groupB, p_rows: J([{ name: 'x', phone: '13900002001', org: '', role: '书记' }]) })
    expect(res.rows[0].errors).toEqual([])
    const admin = await as(db, ids.admin).rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J([{ name: 'x', phone: '13900002001', org: '', role: 'admin' }]) })
    expect(admin.rows[0].errors).toEqual(['role_invalid'])
  })

  it('numbers each row as Excel shows it: the reader\'s line, else the position after a header row', async () => {
    const sec = as(db, ids.secretaryB)
    const res = await sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J([
      { ...rows[0], line: 2 },
      { name: '', phone: '', org: '', role: '', line: 5 },
      { name: '无行号', phone: 'x', org: '', role: '' },
      { name: '坏行号', phone: 'x', org: '', role: '', line: -3 },
    ]) })
    expect(res.rows.map((r: any) => [r.index, r.row])).toEqual([[0, 2], [1, 5], [2, 4], [3, 5]])
  })

  it('saves the good rows and lists the bad ones with Excel row numbers; nothing else changes; a retry answers the same', async () => {
    const sec = as(db, ids.secretaryB)
    const before = await snapshot()
    const id = randomUUID()
    const file = [
      { ...rows[0], line: 2 },
      { name: '坏', phone: 'abc', org: '', role: '', line: 3 },
      { ...rows[1], line: 4 },
      { name: '越级', phone: '13900001009', org: '', role: 'admin', line: 6 },
    ]
    const res = await sec.rpc('roster_import', { p_id: id, p_org_id: ids.branchB, p_rows: J(file) })
    expect(res).toEqual({ import_id: id, total: 4, saved: 2, bad: [
      { index: 1, row: 3, errors: ['phone_invalid'] },
      { index: 3, row: 6, errors: ['role_invalid'] },
    ] })
    const after = await snapshot()
    expect(after).toEqual({ ...before, pending: before.pending + 2, imports: before.imports + 1, audit: before.audit + 1 })
    expect(await sec.rpc('roster_import', { p_id: id, p_org_id: ids.branchB, p_rows: J(file) })).toEqual(res)
    expect(await snapshot()).toEqual(after)
    // the same id from someone else, or for another organisation, is a conflict and changes nothing
    await expectError(as(db, ids.admin).rpc('roster_import', { p_id: id, p_org_id: ids.branchB, p_rows: J(file) }), 'admin.id_conflict')
    await expectError(sec.rpc('roster_import', { p_id: id, p_org_id: ids.groupB, p_rows: J(file) }), 'admin.id_conflict')
    expect(await snapshot()).toEqual(after)
    expect(await count(db, 'select 1 from app.pending_members where import_id = $1', [id])).toBe(2)
    const roster = await sec.rpc('roster', { p_org_id: ids.branchB })
    expect(roster.pending.map((p: any) => p.display_name).sort()).toEqual(['新老师乙', '新老师甲'])
    expect(await count(q(as(db, ids.secretaryA)), 'select 1 from app.pending_members')).toBe(0)
    expect(await count(q(as(db, ids.teacherB)), 'select 1 from app.pending_members')).toBe(0)

    // a file of bad rows only saves nothing but is answered (and retried) the same way
    const none = randomUUID()
    const bad = await sec.rpc('roster_import', { p_id: none, p_org_id: ids.branchB, p_rows: J([{ name: '', phone: '', org: '', role: '' }]) })
    expect(bad).toMatchObject({ saved: 0, total: 1, bad: [{ row: 2, errors: ['name_required', 'phone_required'] }] })

    // signing up with that phone number attaches the account to the right organisations
    const u = await createUser(db, { phone: '8613900001002', name: '新老师乙' })
    const { rows: ms } = await db.query<{ org_id: string, role: string }>('select org_id, role from app.memberships where user_id = $1 and ended_at is null', [u])
    expect(ms).toEqual([{ org_id: ids.groupB, role: 'committee' }])
    expect(await count(db, 'select 1 from app.pending_members where phone = $1 and attached_user_id = $2', ['8613900001002', u])).toBe(1)
    expect((await sec.rpc('roster', { p_org_id: ids.branchB })).pending).toHaveLength(1)
  })

  it('answers the same whether or not a phone has an account, and attaches nobody who already has one', async () => {
    const sec = as(db, ids.secretaryB)
    const existing = await createUser(db, { phone: '8613900003001' })
    await db.query('update auth.users set phone_confirmed_at = now() where id = $1', [existing])
    const imp = async (phone: string) => {
      const id = randomUUID()
      const res = await sec.rpc('roster_import', { p_id: id, p_org_id: ids.branchB, p_rows: J([{ name: '某老师', phone, org: '', role: '', line: 2 }]) })
      const check = await sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: J([{ name: '某老师', phone, org: '', role: '', line: 2 }]) })
      const roster = await sec.rpc('roster', { p_org_id: ids.branchB })
      const row = roster.pending.find((p: any) => p.phone === `86${phone}`)
      return { res: { ...res, import_id: null }, check: check.rows.map((r: any) => ({ ...r, phone: null })), row: row && { ...row, id: null, phone: null, created_at: null } }
    }
    const withAccount = await imp('13900003001')
    const without = await imp('13900003002')
    expect(withAccount).toEqual(without)
    expect(withAccount.row).toBeTruthy()
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and ended_at is null', [existing])).toBe(0)
    // a member of another school is not pulled in either (teacher A, branch A, verified phone)
    await sec.rpc('roster_import', { p_id: randomUUID(), p_org_id: ids.branchB, p_rows: J([{ name: '张老师', phone: '13800000004', org: '', role: '' }]) })
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2', [ids.teacherA, ids.branchB])).toBe(0)
  })

  it('a member of another school joins only after accepting; a retry of the answer changes nothing', async () => {
    const sec = as(db, ids.secretaryB)
    const teacher = as(db, ids.teacherA)
    // the import above asked teacher A (phone 13800000004, verified) to join branch B
    const reqs = await teacher.rpc('my_roster_requests')
    expect(reqs).toHaveLength(1)
    expect(reqs[0]).toMatchObject({ org_id: ids.branchB, org_name: '示例实验小学教师党支部', role: 'member', invited_by_name: '李书记（示例）' })
    // nobody else may see or answer it: not another teacher, not the secretary, not with an unverified phone
    expect(await as(db, ids.teacherB).rpc('my_roster_requests')).toEqual([])
    await expectError(as(db, ids.teacherB).rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: true }), 'admin.request_not_found')
    await expectError(sec.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: true }), 'admin.request_not_found')
    const confirmed = (await db.query<{ at: string }>('select phone_confirmed_at as at from auth.users where id = $1', [ids.teacherA])).rows[0].at
    await db.query('update auth.users set phone_confirmed_at = null where id = $1', [ids.teacherA])
    expect(await teacher.rpc('my_roster_requests')).toEqual([])
    await expectError(teacher.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: true }), 'admin.request_not_found')
    await db.query('update auth.users set phone_confirmed_at = $2 where id = $1', [ids.teacherA, confirmed])
    await expectError(teacher.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: null }), 'admin.answer_required')
    // RLS: the person sees the row addressed to their verified phone, nothing else
    expect((await q(teacher).query<{ id: string }>('select id from app.pending_members')).rows.map(r => r.id)).toEqual([reqs[0].id])
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2', [ids.teacherA, ids.branchB])).toBe(0)

    const audit = await count(db, 'select 1 from app.audit_log')
    expect(await teacher.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: true })).toEqual({ id: reqs[0].id, org_id: ids.branchB, accepted: true })
    expect(await teacher.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: true })).toEqual({ id: reqs[0].id, org_id: ids.branchB, accepted: true })
    await expectError(teacher.rpc('roster_request_answer', { p_pending_id: reqs[0].id, p_accept: false }), 'admin.request_answered')
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2 and ended_at is null', [ids.teacherA, ids.branchB])).toBe(1)
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2 and ended_at is null', [ids.teacherA, ids.branchA])).toBe(1)
    expect(await count(db, `select 1 from app.audit_log where action = 'roster.accept' and subject_id = $1`, [ids.teacherA])).toBe(1)
    expect(await count(db, 'select 1 from app.audit_log')).toBe(audit + 1)
    expect(await teacher.rpc('my_roster_requests')).toEqual([])
    const roster = await sec.rpc('roster', { p_org_id: ids.branchB })
    expect(roster.members.some((m: any) => m.user_id === ids.teacherA)).toBe(true)
    expect(roster.pending.some((p: any) => p.phone === '8613800000004')).toBe(false)
    // the report tests below count teacher A in branch A only
    await db.query('update app.memberships set ended_at = now() where user_id = $1 and org_id = $2', [ids.teacherA, ids.branchB])
  })

  it('declining leaves no membership and no waiting row; a new import asks again', async () => {
    const sec = as(db, ids.secretaryB)
    const teacher2 = as(db, ids.teacherA2)
    await sec.rpc('roster_import', { p_id: randomUUID(), p_org_id: ids.branchB, p_rows: J([{ name: '陈老师', phone: '13800000005', org: '', role: 'committee' }]) })
    const [req] = await teacher2.rpc('my_roster_requests')
    expect(req).toMatchObject({ org_id: ids.branchB, role: 'committee' })
    const memberships = await count(db, 'select 1 from app.memberships')
    expect(await teacher2.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: false })).toEqual({ id: req.id, org_id: ids.branchB, accepted: false })
    expect(await teacher2.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: false })).toMatchObject({ accepted: false })
    await expectError(teacher2.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: true }), 'admin.request_answered')
    expect(await count(db, 'select 1 from app.memberships')).toBe(memberships)
    expect(await teacher2.rpc('my_roster_requests')).toEqual([])
    expect((await sec.rpc('roster', { p_org_id: ids.branchB })).pending.some((p: any) => p.phone === '8613800000005')).toBe(false)
    expect(await count(db, `select 1 from app.audit_log where action = 'roster.decline' and subject_id = $1`, [ids.teacherA2])).toBe(1)
    await sec.rpc('roster_import', { p_id: randomUUID(), p_org_id: ids.branchB, p_rows: J([{ name: '陈老师', phone: '13800000005', org: '', role: '' }]) })
    expect(await teacher2.rpc('my_roster_requests')).toHaveLength(1)
  })

  it('a waiting row can be withdrawn by its secretary only', async () => {
    const { rows: p } = await db.query<{ id: string }>(`select id from app.pending_members where phone = '8613900001001' and attached_at is null`)
    await expectError(as(db, ids.secretaryA).rpc('pending_member_remove', { p_pending_id: p[0].id }), 'admin.member_not_found')
    await as(db, ids.secretaryB).rpc('pending_member_remove', { p_pending_id: p[0].id })
    expect(await count(db, 'select 1 from app.pending_members where id = $1', [p[0].id])).toBe(0)
  })
})

describe('RLS matrix on pending_members and roster_imports', () => {
  it('direct SQL: anonymous denied; teachers see nothing; secretaries their subtree; admin all', async () => {
    await db.query(`insert into app.pending_members (org_id, phone, display_name) values ($1, '8613911110001', '甲'), ($2, '8613911110002', '乙')`, [ids.branchA, ids.branchB])
    for (const t of ['app.pending_members', 'app.roster_imports'])
      await expect(as(db, null).query(`select * from ${t}`)).rejects.toThrow(/permission denied/)
    const seen = async (uid: string) => (await as(db, uid).query<{ org_id: string }>('select distinct org_id from app.pending_members')).rows.map(r => r.org_id).sort()
    expect(await seen(ids.teacherA)).toEqual([])
    expect(await seen(ids.teacherB)).toEqual([])
    expect(await seen(ids.secretaryA)).toEqual([ids.branchA])
    const b = await seen(ids.secretaryB)
    expect(b).toContain(ids.branchB)
    expect(b.every(o => o === ids.branchB || o === ids.groupB)).toBe(true)
    expect((await seen(ids.admin))).toEqual(expect.arrayContaining([ids.branchA, ids.branchB]))
    expect(await count(q(as(db, ids.teacherB)), 'select 1 from app.roster_imports')).toBe(0)
    expect(await count(q(as(db, ids.secretaryB)), 'select 1 from app.roster_imports')).toBeGreaterThan(0)
    expect(await count(q(as(db, ids.secretaryA)), 'select 1 from app.roster_imports')).toBe(0)
  })

  it('direct SQL writes: a secretary cannot insert outside reach or above rank, a teacher not at all', async () => {
    const ins = (org: string, role = 'member', by: string = ids.secretaryA) => `insert into app.pending_members (org_id, phone, display_name, role, invited_by) values ('${org}', '8613922220001', '丙', '${role}', '${by}')`
    await expect(as(db, ids.secretaryA).exec(ins(ids.branchB))).rejects.toThrow(/row-level security/)
    await expect(as(db, ids.teacherA).exec(ins(ids.branchA, 'member', ids.teacherA))).rejects.toThrow(/row-level security/)
    await expect(as(db, ids.secretaryA).exec(ins(ids.branchA, 'member', ids.admin))).rejects.toThrow(/row-level security/)
    await as(db, ids.secretaryA).exec(ins(ids.branchA))
    await expect(as(db, ids.secretaryA).exec(`update app.pending_members set display_name = 'x' where org_id = '${ids.branchB}'`)).resolves.toBeUndefined()
    expect(await count(db, `select 1 from app.pending_members where display_name = 'x'`)).toBe(0)
    await expect(as(db, ids.secretaryA).exec(`insert into app.pending_members (org_id, phone, display_name, attached_user_id, attached_at, invited_by) values ('${ids.branchA}', '8613922220009', '丁', '${ids.teacherA}', now(), '${ids.secretaryA}')`)).rejects.toThrow(/row-level security/)
  })
})

describe('audit log', () => {
  it('admins read it with filters and keyset paging; others are refused', async () => {
    const admin = as(db, ids.admin)
    const page1 = await admin.rpc('audit_log', { p_limit: 3 })
    expect(page1).toHaveLength(3)
    const page2 = await admin.rpc('audit_log', { p_limit: 3, p_before: page1[2].id })
    expect(page2[0].id).toBeLessThan(page1[2].id)
    const members = await admin.rpc('audit_log', { p_action: 'member' })
    expect(members.length).toBeGreaterThan(0)
    expect(members.every((a: any) => a.action.startsWith('member.'))).toBe(true)
    const byActor = await admin.rpc('audit_log', { p_actor_id: ids.secretaryB })
    expect(byActor.every((a: any) => a.actor_id === ids.secretaryB && a.actor_name === '李书记（示例）')).toBe(true)
    const inSchool2 = await admin.rpc('audit_log', { p_org_id: ids.school2 })
    expect(inSchool2.length).toBeGreaterThan(0)
    expect(inSchool2.every((a: any) => [ids.branchB, ids.groupB, ids.school2].includes(a.org_id) || a.org_name)).toBe(true)
    await expectError(admin.rpc('audit_log', { p_limit: 0 }), 'admin.limit_invalid')
    await expectError(admin.rpc('audit_log', { p_action: 'DROP TABLE' }), 'admin.action_invalid')
    await expectError(as(db, ids.secretaryA).rpc('audit_log', {}), 'admin.forbidden')
    await expectError(as(db, ids.teacherA).rpc('audit_log', {}), 'admin.forbidden')
    await expect(as(db, null).rpc('audit_log', {})).rejects.toThrow(/permission denied/)
  })
})

describe('reports and study hours', () => {
  const from = '2024-03-01'
  const to = '2024-03-31'

  async function seedActivity() {
    // a plan for branch A with two sections, one ticked by teacher A; a 90-minute session attended
    const r = randomUUID()
    const s1 = randomUUID()
    const s2 = randomUUID()
    const plan = randomUUID()
    const sess = randomUUID()
    const topic = randomUUID()
    await db.query(`insert into app.readings (id, org_id, title) values ($1, $2, '报告测试读物')`, [r, ids.branchA])
    await db.query(`insert into app.reading_sections (id, reading_id, position, title, est_minutes) values ($1, $3, 1, '一', 20), ($2, $3, 2, '二', 30)`, [s1, s2, r])
    await db.query(`insert into app.study_plans (id, org_id, title, due_on, created_at) values ($1, $2, '报告测试计划', '2024-03-30', '2024-03-01')`, [plan, ids.branchA])
    await db.query(`insert into app.plan_readings (plan_id, reading_id, position) values ($1, $2, 1)`, [plan, r])
    await db.query(`insert into app.section_ticks (user_id, section_id, read_at) values ($1, $2, '2024-03-10')`, [ids.teacherA, s1])
    await db.query(`insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
      values ($1, $2, 'party_class', '党课', '2024-03-05 10:00+08', 90, $3, '2024-03-05 09:30+08', '2024-03-05 11:00+08', $3)`, [sess, ids.branchA, ids.secretaryA])
    await db.query(`insert into app.session_orgs (session_id, org_id) values ($1, $2)`, [sess, ids.branchA])
    await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'present', 'code')`, [randomUUID(), sess, ids.teacherA])
    await db.query(`insert into app.topics (id, org_id, title, prompt, status, created_by) values ($1, $2, '报告测试话题', '谈谈', 'open', $3)`, [topic, ids.branchA, ids.secretaryA])
    await db.query(`insert into app.posts (id, topic_id, author_id, body, created_at) values ($1, $2, $3, '发言', '2024-03-06')`, [randomUUID(), topic, ids.teacherA])
    return { plan, topic }
  }

  it('a secretary reports on their organisation; the bureau sees every organisation side by side', async () => {
    const { plan, topic } = await seedActivity()
    const rep = await as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchA, p_from: from, p_to: to })
    expect(rep.orgs.map((o: any) => o.id)).toEqual([ids.branchA])
    const a = rep.orgs[0]
    expect(a.attendance).toEqual([{ kind: 'party_class', expected: a.members, attended: 1, excused: 0 }])
    expect(a.reading.find((x: any) => x.plan_id === plan)).toMatchObject({ members: a.members, done: 1, total: a.members * 2, done_members: 0 })
    expect(a).toMatchObject({ posters: 1, posts: 1, session_minutes: 90, reading_minutes: 20 })
    expect(rep.topics.find((t: any) => t.id === topic)).toMatchObject({ posts: 1, posters: 1 })
    expect(rep.plans.map((p: any) => p.id)).toContain(plan)

    const all = await as(db, ids.admin).rpc('report_bureau', { p_from: from, p_to: to })
    const byId = Object.fromEntries(all.orgs.map((o: any) => [o.id, o]))
    expect(Object.keys(byId)).toEqual(expect.arrayContaining([ids.bureau, ids.school1, ids.branchA, ids.branchB]))
    expect(byId[ids.school1].session_minutes).toBe(90)
    expect(byId[ids.branchB].session_minutes).toBe(0)
    expect(byId[ids.bureau].members).toBeGreaterThanOrEqual(byId[ids.school1].members)
  })

  it('a plan assigned to several organisations is reported under each of them', async () => {
    const r = randomUUID()
    const plan = randomUUID()
    await db.query(`insert into app.readings (id, org_id, title) values ($1, $2, '两支部读物')`, [r, ids.school1])
    await db.query(`insert into app.reading_sections (reading_id, position, title) values ($1, 1, '一')`, [r])
    await db.query(`insert into app.study_plans (id, org_id, title, due_on, created_at) values ($1, $2, '两支部计划', '2024-03-30', '2024-03-01')`, [plan, ids.branchA])
    await db.query(`insert into app.plan_readings (plan_id, reading_id, position) values ($1, $2, 1)`, [plan, r])
    await db.query('insert into app.plan_orgs (plan_id, org_id) values ($1, $2)', [plan, ids.branchB])
    const rep = await as(db, ids.secretaryB).rpc('report_org', { p_org_id: ids.branchB, p_from: from, p_to: to })
    expect(rep.plans.map((p: any) => p.id)).toContain(plan)
    const b = rep.orgs.find((o: any) => o.id === ids.branchB)
    expect(b.reading.find((x: any) => x.plan_id === plan)).toMatchObject({ members: b.members, done: 0 })
  })

  it('reports are refused outside reach and for bad periods', async () => {
    await expectError(as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchB, p_from: from, p_to: to }), 'admin.org_not_found')
    await expectError(as(db, ids.teacherA).rpc('report_org', { p_org_id: ids.branchA, p_from: from, p_to: to }), 'admin.forbidden')
    await expectError(as(db, ids.secretaryA).rpc('report_bureau', { p_from: from, p_to: to }), 'admin.forbidden')
    await expectError(as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchA, p_from: to, p_to: from }), 'admin.period_order')
    await expectError(as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchA, p_from: null, p_to: to }), 'admin.period_required')
    await expectError(as(db, ids.admin).rpc('report_bureau', { p_from: '2020-01-01', p_to: '2023-01-01' }), 'admin.period_too_long')
    await expect(as(db, null).rpc('report_bureau', { p_from: from, p_to: to })).rejects.toThrow(/permission denied/)
    await expectError(as(db, ids.teacherA).query(`select app.report_data('${ids.branchA}', '${from}', '${to}', null)`), 'admin.forbidden')
  })

  it('study hours: a member sees their own ledger; an organisation sees only sums', async () => {
    const mine = await as(db, ids.teacherA).rpc('my_study_hours', { p_from: from, p_to: to })
    expect(mine).toMatchObject({ session_minutes: 90, reading_minutes: 20, sessions: 1, sections: 1 })
    expect(mine.months).toEqual([{ month: '2024-03', session_minutes: 90, reading_minutes: 20 }])
    const org = await as(db, ids.secretaryA).rpc('org_study_hours', { p_org_id: ids.branchA, p_from: from, p_to: to })
    expect(org).toMatchObject({ org_id: ids.branchA, session_minutes: 90, reading_minutes: 20 })
    expect(JSON.stringify(org)).not.toContain(ids.teacherA)
    await expectError(as(db, ids.teacherA).rpc('org_study_hours', { p_org_id: ids.branchA, p_from: from, p_to: to }), 'admin.forbidden')
    await expectError(as(db, ids.teacherA).query(`select app.study_ledger('${ids.teacherA2}', null, '${from}', '${to}')`), 'admin.forbidden')
    await expectError(as(db, ids.teacherA).rpc('my_study_hours', { p_from: to, p_to: from }), 'admin.period_order')
    const home = (await as(db, ids.teacherA).query<{ h: any }>('select app.home_admin() as h')).rows[0].h
    expect(home).toMatchObject({ can_manage: false, pending_members: 0 })
    expect(typeof home.study_minutes_year).toBe('number')
  })

  it('periods are days in Asia/Shanghai, whatever the server\'s time zone', async () => {
    // a session late on 31 March in the county is 31 March 15:30 UTC; one early on 1 April is
    // still 31 March in UTC: the first belongs to March, the second to April
    const late = randomUUID()
    const early = randomUUID()
    for (const [id, at] of [[late, '2024-03-31 23:30 Asia/Shanghai'], [early, '2024-04-01 00:30 Asia/Shanghai']]) {
      await db.query(`insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
        values ($1, $2, 'lecture', '时区测试', $3::timestamptz, 30, $4, $3::timestamptz - interval '30 minutes', $3::timestamptz + interval '15 minutes', $4)`, [id, ids.branchB, at, ids.secretaryB])
      await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, ids.branchB])
      await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'present', 'code')`, [randomUUID(), id, ids.teacherB])
    }
    const march = await as(db, ids.teacherB).rpc('my_study_hours', { p_from: '2024-03-01', p_to: '2024-03-31' })
    expect(march).toMatchObject({ sessions: 1, session_minutes: 30, months: [{ month: '2024-03', session_minutes: 30 }] })
    const both = await as(db, ids.teacherB).rpc('my_study_hours', { p_from: '2024-03-01', p_to: '2024-04-30' })
    expect(both.months.map((m: any) => m.month)).toEqual(['2024-03', '2024-04'])
    const rep = await as(db, ids.secretaryB).rpc('report_org', { p_org_id: ids.branchB, p_from: '2024-04-01', p_to: '2024-04-01' })
    expect(rep.orgs.find((o: any) => o.id === ids.branchB).attendance).toEqual([{ kind: 'lecture', expected: expect.any(Number), attended: 1, excused: 0 }])
  })
})
