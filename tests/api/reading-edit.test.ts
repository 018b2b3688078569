import type { SupabaseClient } from '@supabase/supabase-js'
// Correcting plans and readings over HTTP: refusals are 4xx with their keys and change nothing;
// a retried save (same client-made section ids) answers the same and adds nothing.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { signedInClient } from './env'

const BRANCH_A = '00000000-0000-4000-8000-000000000011'
let secretaryA: SupabaseClient
let secretaryB: SupabaseClient
let teacherA: SupabaseClient
const reading = randomUUID()

beforeAll(async () => {
  secretaryA = await signedInClient('secretary1@demo.example', 'demo1234')
  secretaryB = await signedInClient('secretary2@demo.example', 'demo1234')
  teacherA = await signedInClient('teacher1@demo.example', 'demo1234')
  const made = await secretaryA.rpc('reading_create', { p_id: reading, p_org_id: BRANCH_A, p_title: '接口修改测试', p_sections: [{ title: '一' }, { title: '二' }] })
  expect(made.error).toBeNull()
})

describe('reading_update over HTTP', () => {
  it('a retry with the same client-made ids adds nothing', async () => {
    const { data } = await secretaryA.rpc('reading_edit_data', { p_reading_id: reading })
    const kept = data.sections.map((s: any) => ({ id: s.id, title: s.title, body_md: s.body_md, where_to_read: s.where_to_read, est_minutes: s.est_minutes }))
    const args = { p_reading_id: reading, p_title: '接口修改测试', p_sections: [...kept, { id: randomUUID(), title: '三', body_md: null, where_to_read: '', est_minutes: null }] }
    const first = await secretaryA.rpc('reading_update', args)
    const again = await secretaryA.rpc('reading_update', args)
    expect(first.error).toBeNull()
    expect(again.data).toEqual(first.data)
    expect(again.data.sections).toHaveLength(3)
  })

  it('refuses with 403, 404, 400 and 409 and their keys', async () => {
    const { data } = await secretaryA.rpc('reading_edit_data', { p_reading_id: reading })
    const one = [{ id: data.sections[0].id, title: '一' }]
    const cases: [SupabaseClient, Record<string, unknown>, number, string][] = [
      [teacherA, { p_reading_id: reading, p_title: 'x', p_sections: one }, 403, 'readings.not_allowed'],
      [secretaryB, { p_reading_id: reading, p_title: 'x', p_sections: one }, 404, 'readings.reading_not_found'],
      [secretaryA, { p_reading_id: reading, p_title: 'x', p_sections: [...one, ...one] }, 400, 'readings.section_duplicate'],
      [secretaryA, { p_reading_id: reading, p_title: 'x', p_sections: [{ id: 'not-a-uuid', title: '一' }] }, 400, 'readings.section_invalid'],
    ]
    for (const [c, args, status, key] of cases) {
      const r = await c.rpc('reading_update', args)
      expect([r.status, r.error?.message]).toEqual([status, key])
    }
    // a removed section's id does not come back
    const removed = data.sections[2].id
    expect((await secretaryA.rpc('reading_update', { p_reading_id: reading, p_title: '接口修改测试', p_sections: data.sections.slice(0, 2) })).error).toBeNull()
    const back = await secretaryA.rpc('reading_update', { p_reading_id: reading, p_title: '接口修改测试', p_sections: [...data.sections.slice(0, 2), { id: removed, title: '三' }] })
    expect([back.status, back.error?.message]).toEqual([409, 'readings.section_removed'])
    const after = await secretaryA.rpc('reading_edit_data', { p_reading_id: reading })
    expect(after.data.sections).toHaveLength(2)
    expect(after.data.removed).toBe(1)
  })
})
