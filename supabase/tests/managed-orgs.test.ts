import type { Db } from '../local/db'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, freshDb, ids } from './db'

// "Organisations I manage" is app.managed_org_ids(); the pickers (session_orgs_i_manage, which
// the topic, session and research forms show), reading_catalog and org_tree read it through
// app.managed_orgs, and app.can_manage answers it for one organisation.
let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const users = [ids.admin, ids.secretaryA, ids.secretaryB, ids.teacherA, ids.teacherB, ids.principal]

describe('organisations I manage', () => {
  it('a secretary of a parent organisation posts a topic to a child one chosen from the form\'s list', async () => {
    const sec = as(db, ids.secretaryB)
    const list = await sec.rpc<{ id: string, name: string }[]>('session_orgs_i_manage')
    expect(list.map(o => o.id)).toEqual([ids.branchB, ids.groupB])
    const child = list.find(o => o.id === ids.groupB)!
    const topic = await sec.rpc('topic_save', { p_id: randomUUID(), p_org_id: child.id, p_title: '党小组讨论', p_prompt: '谈谈体会' })
    expect(topic).toMatchObject({ org_id: ids.groupB, status: 'draft' })
    const open = await sec.rpc('topic_set_status', { p_topic_id: (topic as { id: string }).id, p_status: 'open' })
    expect(open).toMatchObject({ status: 'open' })
  })

  it('every list and can_manage give the same organisations as app.managed_org_ids', async () => {
    const { rows: orgs } = await db.query<{ id: string }>('select id from app.organisations')
    for (const u of users) {
      const me = as(db, u)
      const { rows } = await me.query<{ id: string }>('select app.managed_org_ids() as id')
      const managed = rows.map(r => r.id).sort()
      const { rows: open } = await me.query<{ id: string }>('select id from app.managed_orgs() order by path')
      expect((await me.rpc<{ id: string }[]>('session_orgs_i_manage')).map(o => o.id)).toEqual(open.map(r => r.id))
      expect((await me.rpc<{ id: string }[]>('org_tree')).map(o => o.id)).toEqual(open.map(r => r.id))
      expect((await me.rpc<{ orgs: { id: string }[] }>('reading_catalog')).orgs.map(o => o.id).sort()).toEqual(open.map(r => r.id).sort())
      expect((await me.rpc<{ id: string }[]>('org_tree', { p_include_retired: true })).map(o => o.id).sort()).toEqual(managed)
      const { rows: can } = await me.query<{ id: string }>('select id from app.organisations o where app.can_manage(o.id)')
      expect(orgs.filter(o => can.some(c => c.id === o.id)).map(o => o.id).sort()).toEqual(managed)
    }
  })
})
