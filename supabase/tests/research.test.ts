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

const seeded = {
  recommended: '00000000-0000-4000-f000-000000000001', // the principal's, school 1 committee
  submitted: '00000000-0000-4000-f000-000000000002', // secretary B's, school 2 branch
  draft: '00000000-0000-4000-f000-000000000003', // 陈老师's, branch A
  topic: '00000000-0000-4000-e000-000000000001',
}
const body = '## 一、背景\n\n这是一段足够长的正文，用来提交调研文章。\n\n## 二、做法\n\n具体做法。'

async function state(id: string) {
  return (await db.query<{ s: string }>('select state as s from app.research_articles where id = $1', [id])).rows[0]?.s
}
const events = (id: string) => count(db, 'select 1 from app.research_events where article_id = $1', [id])

/** A new article by teacher A (branch A), submitted unless told otherwise. */
async function mkArticle(opts: { submit?: boolean, author?: string } = {}) {
  const id = randomUUID()
  await as(db, opts.author ?? ids.teacherA).rpc('research_draft_save', { p_id: id, p_title: '测试文章', p_body: body, p_rev: 1 })
  if (opts.submit !== false)
    await as(db, opts.author ?? ids.teacherA).rpc('research_article_submit', { p_id: id })
  return id
}

describe('seeds', () => {
  it('the plan\'s topics are this year\'s, seen by every member; last year\'s collection is published', async () => {
    const topics = await as(db, ids.teacherB).rpc('research_topics')
    expect(topics.map((t: any) => t.title)).toContain('校长负责制下如何发挥党组织的保证监督作用')
    expect(topics.length).toBe(4) // the bureau's; school 1's own topic is not school 2's
    expect((await as(db, ids.teacherA).rpc('research_topics')).length).toBe(5)
    const list = await as(db, ids.teacherB).rpc('research_collections')
    expect(list).toHaveLength(1)
    const year = list[0].year
    const book = await as(db, ids.teacherB).rpc('research_collection', { p_year: year })
    expect(book.articles.map((a: any) => a.author_name)).toEqual(['孙校长（示例）', '李书记（示例）'])
    expect(book.sections.map((s: any) => s.title)).toEqual(['学校领导体制', '阵地建设'])
  })
})

describe('RLS on research tables', () => {
  it('anonymous callers read nothing', async () => {
    for (const t of ['research_topics', 'research_articles', 'research_events', 'research_collections', 'research_collection_items'])
      await expect(as(db, null).query(`select * from app.${t}`)).rejects.toThrow(/permission denied/)
  })

  it('a member reads their own drafts only', async () => {
    expect((await as(db, ids.teacherA2).query(`select 1 from app.research_articles where id = '${seeded.draft}'`)).rows).toHaveLength(1)
    for (const u of [ids.teacherA, ids.secretaryA, ids.admin, ids.principal])
      expect((await as(db, u).query(`select 1 from app.research_articles where id = '${seeded.draft}'`)).rows).toHaveLength(0)
    await expectError(as(db, ids.secretaryA).rpc('research_article', { p_id: seeded.draft }), 'research.article_not_found')
  })

  it('a secretary sees submissions of the organisations they manage, not others\'', async () => {
    const a = await mkArticle()
    const listA = await as(db, ids.secretaryA).rpc('research_review_list')
    expect(listA.map((x: any) => x.id)).toContain(a)
    expect(listA.map((x: any) => x.id)).not.toContain(seeded.submitted)
    const listB = await as(db, ids.secretaryB).rpc('research_review_list')
    expect(listB.map((x: any) => x.id)).not.toContain(a)
    // a fellow member sees nobody else's submission
    expect((await as(db, ids.teacherA2).query(`select 1 from app.research_articles where id = '${a}'`)).rows).toHaveLength(0)
  })

  it('the bureau sees recommended articles county-wide; a secretary cannot call its list', async () => {
    const rec = await as(db, ids.admin).rpc('research_recommended')
    expect(rec.map((x: any) => x.id)).toContain(seeded.recommended)
    expect(rec.map((x: any) => x.id)).not.toContain(seeded.submitted)
    await expectError(as(db, ids.secretaryA).rpc('research_recommended'), 'research.not_allowed')
  })

  it('nobody edits another\'s article, through the API or the table', async () => {
    const a = await mkArticle({ submit: false })
    await expectError(as(db, ids.teacherA2).rpc('research_draft_save', { p_id: a, p_title: '改', p_body: '改', p_rev: 9 }), 'research.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('research_draft_save', { p_id: a, p_title: '改', p_body: '改', p_rev: 9 }), 'research.not_allowed')
    await as(db, ids.teacherA).rpc('research_article_submit', { p_id: a })
    // the secretary can see and decide on it, but not change its words
    await expectError(as(db, ids.secretaryA).query(`update app.research_articles set body = 'x' where id = '${a}'`), 'research.not_editable')
    expect((await as(db, ids.teacherA2).query(`update app.research_articles set body = 'x' where id = '${a}' returning id`)).rows).toEqual([])
    const { rows } = await db.query<{ body: string }>('select body from app.research_articles where id = $1', [a])
    expect(rows[0].body).toBe(body)
  })

  it('members read a published collection; an unpublished one only the bureau', async () => {
    const y = (await as(db, ids.teacherA).rpc('research_collections'))[0].year
    expect((await as(db, ids.teacherA).query(`select 1 from app.research_articles where year = ${y} and state = 'selected'`)).rows).toHaveLength(2)
    await expectError(as(db, ids.teacherA).rpc('research_collection', { p_year: y + 1 }), 'research.collection_not_found')
    expect((await as(db, ids.admin).rpc('research_collection', { p_year: y + 1 })).articles).toEqual([])
  })
})

describe('drafts saved as the member types', () => {
  it('a retried or older save never overwrites a newer one, and never adds a row', async () => {
    const id = randomUUID()
    const t = as(db, ids.teacherA)
    await t.rpc('research_draft_save', { p_id: id, p_title: '一', p_body: '第一稿', p_rev: 1 })
    await t.rpc('research_draft_save', { p_id: id, p_title: '二', p_body: '第二稿', p_rev: 2 })
    const again = await t.rpc('research_draft_save', { p_id: id, p_title: '一', p_body: '第一稿', p_rev: 1 })
    expect(again.body).toBe('第二稿')
    expect(await count(db, 'select 1 from app.research_articles where id = $1', [id])).toBe(1)
    expect(again.org_id).toBe(ids.branchA)
    expect(again.state).toBe('draft')
  })

  it('bad input is refused with its key and changes nothing', async () => {
    const t = as(db, ids.teacherA)
    const id = randomUUID()
    await expectError(t.rpc('research_draft_save', { p_id: null, p_title: 'x', p_body: 'x' }), 'research.id_required')
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: 'x'.repeat(81), p_body: 'x' }), 'research.title_too_long')
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: 'x', p_body: 'x'.repeat(30001) }), 'research.body_too_long')
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: 'x', p_body: 'x', p_rev: -1 }), 'research.rev_invalid')
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: 'x', p_body: 'x', p_topic_id: randomUUID() }), 'research.topic_not_found')
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: 'x', p_body: 'x', p_org_id: ids.branchB }), 'research.org_invalid')
    expect(await count(db, 'select 1 from app.research_articles where id = $1', [id])).toBe(0)
    await t.rpc('research_draft_save', { p_id: id, p_title: '', p_body: '短', p_rev: 1 })
    await expectError(t.rpc('research_article_submit', { p_id: id }), 'research.title_required')
    await t.rpc('research_draft_save', { p_id: id, p_title: '标题', p_body: '短', p_rev: 2 })
    await expectError(t.rpc('research_article_submit', { p_id: id }), 'research.body_too_short')
    expect(await state(id)).toBe('draft')
    expect(await events(id)).toBe(0)
    await expect(as(db, null).rpc('research_draft_save', { p_id: id, p_title: 'x', p_body: 'x' })).rejects.toThrow(/permission denied/)
  })
})

// as() passes a JS array as a PostgreSQL array; jsonb arguments go as JSON text, as PostgREST sends them
describe('the article\'s way: each change only from the right state, by the right role', () => {
  it('submit → withdraw → submit → return (with comment) → revise → submit → recommend → select', async () => {
    const t = as(db, ids.teacherA)
    const sec = as(db, ids.secretaryA)
    const bureau = as(db, ids.admin)
    const id = await mkArticle()
    expect(await state(id)).toBe('submitted')
    // a retried submit answers the article as it is
    expect((await t.rpc('research_article_submit', { p_id: id })).state).toBe('submitted')
    expect(await events(id)).toBe(1)
    // the text cannot change while it is with the secretary
    await expectError(t.rpc('research_draft_save', { p_id: id, p_title: '改', p_body: body, p_rev: 5 }), 'research.not_editable')
    expect((await t.rpc('research_article_withdraw', { p_id: id })).state).toBe('draft')
    await t.rpc('research_article_submit', { p_id: id })

    // the wrong people
    await expectError(as(db, ids.teacherA2).rpc('research_article_review', { p_id: id, p_decision: 'recommend' }), 'research.article_not_found')
    await expectError(as(db, ids.secretaryB).rpc('research_article_review', { p_id: id, p_decision: 'recommend' }), 'research.article_not_found')
    await expectError(t.rpc('research_article_review', { p_id: id, p_decision: 'recommend' }), 'research.not_allowed')
    await expectError(bureau.rpc('research_article_select', { p_id: id }), 'research.wrong_state')
    await expectError(sec.rpc('research_article_review', { p_id: id, p_decision: 'return', p_comment: '  ' }), 'research.comment_required')
    await expectError(sec.rpc('research_article_review', { p_id: id, p_decision: 'approve' }), 'research.decision_invalid')
    expect(await state(id)).toBe('submitted')

    const ret = await sec.rpc('research_article_review', { p_id: id, p_decision: 'return', p_comment: '请补充调研数据。' })
    expect(ret.state).toBe('returned')
    await expectError(sec.rpc('research_article_review', { p_id: id, p_decision: 'recommend' }), 'research.wrong_state')
    await expectError(t.rpc('research_article_withdraw', { p_id: id }), 'research.wrong_state')
    const mine = await t.rpc('research_article', { p_id: id })
    expect(mine.events.map((e: any) => [e.action, e.comment])).toContainEqual(['return', '请补充调研数据。'])
    expect(mine.can_edit).toBe(true)

    await t.rpc('research_draft_save', { p_id: id, p_title: '测试文章（修改稿）', p_body: `${body}\n\n补充的数据。`, p_rev: 6 })
    await t.rpc('research_article_submit', { p_id: id })
    await expectError(t.rpc('research_article_withdraw', { p_id: randomUUID() }), 'research.article_not_found')
    const rec = await sec.rpc('research_article_review', { p_id: id, p_decision: 'recommend', p_comment: '推荐' })
    expect(rec.state).toBe('recommended')
    await expectError(t.rpc('research_article_withdraw', { p_id: id }), 'research.wrong_state')
    await expectError(t.rpc('research_article_submit', { p_id: id }), 'research.wrong_state')
    await expectError(sec.rpc('research_article_select', { p_id: id }), 'research.not_allowed')

    const sel = await bureau.rpc('research_article_select', { p_id: id })
    expect(sel.state).toBe('selected')
    const book = await bureau.rpc('research_collection')
    expect(book.articles.map((a: any) => a.id)).toContain(id)
    expect(book.articles.find((a: any) => a.id === id)).toMatchObject({ author_name: '张老师（示例）', school: '示例县第一中学', position: '语文教师' })

    // every decision is in the audit log
    const { rows } = await db.query<{ action: string }>('select action from app.audit_log where subject_id = $1 order by id', [id])
    expect(rows.map(r => r.action)).toEqual(['research.return', 'research.recommend', 'research.select'])
  })

  it('the bureau arranges sections and order, writes a foreword, publishes; a published book is frozen', async () => {
    const bureau = as(db, ids.admin)
    const a = await mkArticle()
    await as(db, ids.secretaryA).rpc('research_article_review', { p_id: a, p_decision: 'recommend' })
    const b = await mkArticle({ author: ids.teacherB })
    await as(db, ids.secretaryB).rpc('research_article_review', { p_id: b, p_decision: 'recommend' })
    await bureau.rpc('research_article_select', { p_id: a })
    await bureau.rpc('research_article_select', { p_id: b })
    const y = (await bureau.rpc('research_collection')).year
    const s1 = randomUUID()
    const s2 = randomUUID()
    const before = await bureau.rpc('research_collection')
    await expectError(bureau.rpc('research_collection_save', { p_year: y, p_title: '成果集', p_foreword: '序', p_sections: JSON.stringify([{ id: s1, title: '甲' }]), p_order: JSON.stringify([{ id: a, section_id: randomUUID() }]) }), 'research.arrangement_invalid')
    await expectError(bureau.rpc('research_collection_save', { p_year: y, p_title: ' ', p_foreword: '序' }), 'research.collection_title_invalid')
    await expectError(bureau.rpc('research_collection_save', { p_year: y, p_title: '成果集', p_foreword: '序', p_sections: '"x"' }), 'research.arrangement_invalid')
    await expectError(as(db, ids.secretaryA).rpc('research_collection_save', { p_year: y, p_title: '成果集', p_foreword: '序' }), 'research.not_allowed')
    expect(await bureau.rpc('research_collection')).toEqual(before)

    const book = await bureau.rpc('research_collection_save', {
      p_year: y,
      p_title: `${y}年成果集`,
      p_foreword: '前言',
      p_sections: JSON.stringify([{ id: s1, title: '甲篇' }, { id: s2, title: '乙篇' }]),
      p_order: JSON.stringify([{ id: b, section_id: s1 }, { id: a, section_id: s2 }]),
    })
    expect(book.foreword).toBe('前言')
    const ours = book.articles.filter((x: any) => x.id === a || x.id === b)
    expect(ours.map((x: any) => [x.id, x.section_id])).toEqual([[b, s1], [a, s2]])
    await bureau.rpc('research_collection_save', { p_year: y, p_title: `${y}年成果集`, p_foreword: '前言', p_sections: JSON.stringify([{ id: s1, title: '甲篇' }, { id: s2, title: '乙篇' }]), p_order: JSON.stringify([{ id: b, section_id: s1 }, { id: a, section_id: s2 }]), p_published: true })
    expect((await as(db, ids.teacherB).rpc('research_collection', { p_year: y })).articles.map((x: any) => x.id)).toContain(a)
    await expectError(bureau.rpc('research_article_select', { p_id: a, p_selected: false }), 'research.collection_published')
    await expectError(bureau.rpc('research_collection_save', { p_year: y, p_title: '改', p_foreword: '改' }), 'research.collection_published')
    // unpublish to leave the year open for the other tests
    await bureau.rpc('research_collection_save', { p_year: y, p_title: `${y}年成果集`, p_foreword: '前言', p_published: false })
  })
})

describe('topics, sessions and the cadre flag', () => {
  it('a school committee publishes a topic; a branch member cannot', async () => {
    const id = randomUUID()
    await expectError(as(db, ids.teacherA).rpc('research_topic_save', { p_id: id, p_org_id: ids.school1, p_title: '课题' }), 'research.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('research_topic_save', { p_id: id, p_org_id: ids.branchA, p_title: '课题' }), 'research.topic_org_invalid')
    await expectError(as(db, ids.admin).rpc('research_topic_save', { p_id: id, p_org_id: ids.school1, p_title: ' ' }), 'research.topic_title_invalid')
    expect(await count(db, 'select 1 from app.research_topics where id = $1', [id])).toBe(0)
    await as(db, ids.admin).rpc('research_topic_save', { p_id: id, p_org_id: ids.school1, p_title: '新课题', p_brief: '简介' })
    await as(db, ids.admin).rpc('research_topic_save', { p_id: id, p_org_id: ids.school1, p_title: '新课题', p_brief: '简介' })
    expect(await count(db, 'select 1 from app.research_topics where id = $1', [id])).toBe(1)
  })

  it('a 专题调研 session is linked to a topic; another kind is refused', async () => {
    const s = randomUUID()
    const other = randomUUID()
    for (const [id, kind] of [[s, 'research'], [other, 'lecture']]) {
      await db.query(
        `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
         values ($1, $2, $3, '调研', now(), 60, $4, now() - interval '30 minutes', now() + interval '15 minutes', $4)`,
        [id, ids.branchA, kind, ids.secretaryA],
      )
      await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, ids.branchA])
    }
    await expectError(as(db, ids.secretaryA).rpc('research_topic_link_session', { p_session_id: other, p_topic_id: seeded.topic }), 'research.session_not_research')
    await expectError(as(db, ids.teacherA).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: seeded.topic }), 'research.not_allowed')
    await as(db, ids.secretaryA).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: seeded.topic })
    const topics = await as(db, ids.teacherA).rpc('research_topics')
    expect(topics.find((t: any) => t.id === seeded.topic).sessions.map((x: any) => x.id)).toEqual([s])
  })

  it('only a secretary above the membership sets the cadre flag, and it is audited', async () => {
    const m = '00000000-0000-4000-b000-000000000006' // 刘老师, branch A2
    await expectError(as(db, ids.teacherA2branch).rpc('member_set_cadre', { p_membership_id: m, p_is_cadre: true }), 'research.not_allowed')
    // another school's roster is not even visible
    await expectError(as(db, ids.secretaryB).rpc('member_set_cadre', { p_membership_id: m, p_is_cadre: true }), 'research.membership_not_found')
    await expectError(as(db, ids.secretaryA).rpc('member_set_cadre', { p_membership_id: randomUUID(), p_is_cadre: true }), 'research.membership_not_found')
    expect(await count(db, 'select 1 from app.memberships where id = $1 and is_cadre', [m])).toBe(0)
    await as(db, ids.admin).rpc('member_set_cadre', { p_membership_id: m, p_is_cadre: true })
    expect(await count(db, `select 1 from app.audit_log where subject_id = $1 and action = 'research.set_cadre'`, [m])).toBe(1)
    await as(db, ids.admin).rpc('member_set_cadre', { p_membership_id: m, p_is_cadre: false })
  })
})

describe('who owes one', () => {
  it('counts and names per organisation against the seeded data, no ranking', async () => {
    // seeded cadres: secretary A (branch A, nothing submitted), secretary B (branch B, submitted),
    // the principal (school 1 committee, recommended)
    const all = await as(db, ids.admin).rpc('research_owed')
    const by = Object.fromEntries(all.map((r: any) => [r.org_id, r]))
    expect(by[ids.branchA]).toMatchObject({ cadres: 1, submitted: 0, owing: 1, owing_names: ['王书记（示例）'], submitted_names: [] })
    expect(by[ids.branchB]).toMatchObject({ cadres: 1, submitted: 1, owing: 0, submitted_names: ['李书记（示例）'] })
    expect(by[ids.school1]).toMatchObject({ cadres: 1, submitted: 1, owing: 0, submitted_names: ['孙校长（示例）'] })
    // a secretary sees only their own organisations
    const a = await as(db, ids.secretaryA).rpc('research_owed')
    expect(a.map((r: any) => r.org_id)).toEqual([ids.branchA])
    expect(await as(db, ids.teacherA).rpc('research_owed')).toEqual([])
    // a draft does not count; a submission does
    const sec = as(db, ids.secretaryA)
    const id = randomUUID()
    await sec.rpc('research_draft_save', { p_id: id, p_title: '书记的文章', p_body: body, p_rev: 1 })
    expect((await sec.rpc('research_owed'))[0].submitted).toBe(0)
    await sec.rpc('research_article_submit', { p_id: id })
    expect((await sec.rpc('research_owed'))[0]).toMatchObject({ submitted: 1, owing: 0, submitted_names: ['王书记（示例）'] })
  })
})

describe('topics retired, linked within their school, shown on the session', () => {
  async function researchSession(org: string, organiser: string) {
    const id = randomUUID()
    await db.query(
      `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
       values ($1, $2, 'research', '专题调研', now(), 60, $3, now() - interval '30 minutes', now() + interval '15 minutes', $3)`,
      [id, org, organiser],
    )
    await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, org])
    return id
  }

  it('the publisher retires a topic: members stop seeing it, its publisher still does; audited; others refused', async () => {
    const id = randomUUID()
    await as(db, ids.admin).rpc('research_topic_save', { p_id: id, p_org_id: ids.bureau, p_title: '将退课题', p_brief: '简介' })
    await expectError(as(db, ids.teacherB).rpc('research_topic_retire', { p_id: id }), 'research.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('research_topic_retire', { p_id: id }), 'research.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('research_topic_retire', { p_id: randomUUID() }), 'research.topic_not_found')
    await expectError(as(db, ids.admin).rpc('research_topic_retire', { p_id: id, p_retired: null }), 'research.decision_invalid')
    expect(await count(db, 'select 1 from app.research_topics where id = $1 and retired_at is null', [id])).toBe(1)
    const r = await as(db, ids.admin).rpc('research_topic_retire', { p_id: id })
    expect(r.retired_at).not.toBeNull()
    await as(db, ids.admin).rpc('research_topic_retire', { p_id: id }) // a retry changes nothing more
    expect(await count(db, `select 1 from app.audit_log where subject_id = $1 and action = 'research.retire_topic'`, [id])).toBe(1)
    expect((await as(db, ids.teacherB).rpc('research_topics')).map((t: any) => t.id)).not.toContain(id)
    const mine = (await as(db, ids.admin).rpc('research_topics')).find((t: any) => t.id === id)
    expect(mine).toMatchObject({ can_edit: true })
    expect(mine.retired_at).not.toBeNull()
    await as(db, ids.admin).rpc('research_topic_retire', { p_id: id, p_retired: false })
    expect((await as(db, ids.teacherB).rpc('research_topics')).map((t: any) => t.id)).toContain(id)
  })

  it('a session links a current topic of its own school or the bureau; session_detail names it', async () => {
    const s = await researchSession(ids.branchA, ids.secretaryA)
    const school2Topic = randomUUID()
    await as(db, ids.admin).rpc('research_topic_save', { p_id: school2Topic, p_org_id: ids.school2, p_title: '二校课题' })
    await expectError(as(db, ids.admin).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: school2Topic }), 'research.topic_not_found')
    const retired = randomUUID()
    await as(db, ids.admin).rpc('research_topic_save', { p_id: retired, p_org_id: ids.bureau, p_title: '旧课题' })
    await as(db, ids.admin).rpc('research_topic_retire', { p_id: retired })
    await expectError(as(db, ids.secretaryA).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: retired }), 'research.topic_retired')
    expect(await count(db, 'select 1 from app.research_topic_sessions where session_id = $1', [s])).toBe(0)
    expect((await as(db, ids.teacherA).rpc('session_detail', { p_session_id: s })).research_topic).toBeNull()
    await as(db, ids.secretaryA).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: seeded.topic })
    const seen = await as(db, ids.teacherA).rpc('session_detail', { p_session_id: s })
    expect(seen.research_topic).toMatchObject({ id: seeded.topic, title: '校长负责制下如何发挥党组织的保证监督作用' })
    expect(seen.title).toBe('专题调研') // the sessions area's fields are all still there
    expect(seen.can_run).toBe(false)
    await as(db, ids.secretaryA).rpc('research_topic_link_session', { p_session_id: s, p_topic_id: null })
    expect((await as(db, ids.teacherA).rpc('session_detail', { p_session_id: s })).research_topic).toBeNull()
  })
})

describe('the cadre flag on the roster and from the roster file', () => {
  it('the roster shows each member\'s flag', async () => {
    const r = await as(db, ids.secretaryA).rpc('roster', { p_org_id: ids.branchA })
    const by = Object.fromEntries(r.members.map((m: any) => [m.user_id, m.is_cadre]))
    expect(by[ids.secretaryA]).toBe(true)
    expect(by[ids.teacherA]).toBe(false)
    expect(r.my_rank).toBeGreaterThan(0)
  })

  it('an import reads the optional column, refuses a value it cannot read, and the flag reaches the membership and who owes one', async () => {
    const sec = as(db, ids.secretaryB)
    const id = randomUUID()
    const rows = [
      { name: '干部甲', phone: '13900002001', org: '', role: '', cadre: '是', line: 2 },
      { name: '老师乙', phone: '13900002002', org: '', role: '', line: 3 },
      { name: '写错丙', phone: '13900002003', org: '', role: '', cadre: '也许', line: 4 },
    ]
    const check = await sec.rpc('roster_import_check', { p_org_id: ids.branchB, p_rows: JSON.stringify(rows) })
    expect(check.rows.map((r: any) => [r.is_cadre, r.errors])).toEqual([[true, []], [false, []], [null, ['cadre_invalid']]])
    const res = await sec.rpc('roster_import', { p_id: id, p_org_id: ids.branchB, p_rows: JSON.stringify(rows) })
    expect(res).toMatchObject({ saved: 2, bad: [{ index: 2, row: 4, errors: ['cadre_invalid'] }] })
    const pending = (await sec.rpc('roster', { p_org_id: ids.branchB })).pending
    expect(Object.fromEntries(pending.filter((p: any) => p.display_name !== '新老师乙').map((p: any) => [p.display_name, p.is_cadre])))
      .toMatchObject({ 干部甲: true, 老师乙: false })
    const before = (await as(db, ids.admin).rpc('research_owed')).find((r: any) => r.org_id === ids.branchB)
    const u = await createUser(db, { phone: '8613900002001', name: '干部甲' })
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and org_id = $2 and is_cadre and ended_at is null', [u, ids.branchB])).toBe(1)
    const v = await createUser(db, { phone: '8613900002002', name: '老师乙' })
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and is_cadre', [v])).toBe(0)
    const after = (await as(db, ids.admin).rpc('research_owed')).find((r: any) => r.org_id === ids.branchB)
    expect(after).toMatchObject({ cadres: before.cadres + 1, owing: before.owing + 1 })
    expect(after.owing_names).toContain('干部甲')
    // marked again from the roster screen: off, and the count follows
    const m = (await sec.rpc('roster', { p_org_id: ids.branchB })).members.find((x: any) => x.user_id === u)
    expect(m.is_cadre).toBe(true)
    await sec.rpc('member_set_cadre', { p_membership_id: m.membership_id, p_is_cadre: false })
    expect((await as(db, ids.admin).rpc('research_owed')).find((r: any) => r.org_id === ids.branchB).cadres).toBe(before.cadres)
  })

  it('a cadre moved to another branch stays a cadre; someone who merely joins another does not become one', async () => {
    const sec = as(db, ids.admin)
    const m = (await sec.rpc('roster', { p_org_id: ids.school1 })).members.find((x: any) => x.user_id === ids.teacherA2 && x.org_id === ids.branchA)
    await sec.rpc('member_set_cadre', { p_membership_id: m.membership_id, p_is_cadre: true })
    const moved = await sec.rpc('member_move', { p_membership_id: m.membership_id, p_to_org_id: ids.branchA2 })
    expect(await count(db, 'select 1 from app.memberships where id = $1 and is_cadre and ended_at is null', [moved.membership_id])).toBe(1)
    const u = await createUser(db, { name: '新来的' })
    await db.query(`insert into app.memberships (org_id, user_id, role) values ($1, $2, 'member')`, [ids.branchA, u])
    expect(await count(db, 'select 1 from app.memberships where user_id = $1 and is_cadre', [u])).toBe(0)
  })
})
