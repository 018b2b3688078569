-- Research (专题调研): the plan's research topics for this year, the cadre flags of the demo
-- roster, three demo articles in different states, and last year's published collection.
-- Years are the bureau's (Asia/Shanghai) and relative to today, so the demo stays "this year".
-- Idempotent: fixed ids and on conflict do nothing.

-- 副校级以上干部 among the demo accounts: the principal (school committee) and both secretaries
update app.memberships set is_cadre = true
 where id in ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-b000-000000000003',
              '00000000-0000-4000-b000-000000000009');

-- the plan's own topics (三.2, 三.1, 一.2, 二.2, 五), published by the bureau committee
with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int as v)
insert into app.research_topics (id, org_id, year, title, brief, sort_order, created_by, created_at, updated_at)
select t.id::uuid, '00000000-0000-4000-8000-000000000001', y.v, t.title, t.brief, t.ord, '00000000-0000-4000-a000-000000000001',
       make_timestamptz(y.v, 2, 20, 9, 0, 0, 'Asia/Shanghai'), make_timestamptz(y.v, 2, 20, 9, 0, 0, 'Asia/Shanghai')
  from y, (values
  ('00000000-0000-4000-e000-000000000001', 1, '校长负责制下如何发挥党组织的保证监督作用',
   '围绕新形势下如何处理好校长负责制和发挥党组织保证监督作用之间的关系，精选调研课题，积极开展调研，着力破解难题。（计划三.2）'),
  ('00000000-0000-4000-e000-000000000002', 2, '完善党组织保证监督、校长全面负责、教代会民主管理的学校领导体制',
   '对涉及学校方向性、全局性、长期性的重大决策、重要人事、重大项目、大额资金使用等问题，如何严格按照校长办公会议规定要求进行议事决策。（计划三.1）'),
  ('00000000-0000-4000-e000-000000000003', 3, '学校如何更好地融入天府新区建设、加快教育国际化进程',
   '结合本校实际，谈转变观念、谋划思路、完善举措的做法与建议。（计划一.2）'),
  ('00000000-0000-4000-e000-000000000004', 4, '基层党组织“三分类三升级”与学校党建品牌创建',
   '梳理本校党建工作实践经验，提炼品牌主题、丰富品牌内涵、创新品牌载体。（计划二.2、五）')
) as t(id, ord, title, brief)
on conflict (id) do nothing;

-- a school committee's own topic
with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int as v)
insert into app.research_topics (id, org_id, year, title, brief, sort_order, created_by, created_at, updated_at)
select '00000000-0000-4000-e000-000000000010', '00000000-0000-4000-8000-000000000010', y.v,
       '教研组长中的党员示范作用', '以“立足岗位讲奉献，创先争优当先锋”为主题，调研党员教研组长如何带动教研组。', 1,
       '00000000-0000-4000-a000-000000000009',
       make_timestamptz(y.v, 3, 1, 10, 0, 0, 'Asia/Shanghai'), make_timestamptz(y.v, 3, 1, 10, 0, 0, 'Asia/Shanghai')
  from y
on conflict (id) do nothing;

-- this year's demo articles: recommended (the principal), submitted (secretary B), a draft (陈老师)
with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int as v)
insert into app.research_articles (id, author_id, org_id, topic_id, year, title, body, state, rev, submitted_at, created_at, updated_at)
select a.id::uuid, a.author::uuid, a.org::uuid, a.topic::uuid, y.v, a.title, a.body, a.state, 1,
       case when a.state <> 'draft' then make_timestamptz(y.v, a.m, a.d, 16, 30, 0, 'Asia/Shanghai') end,
       make_timestamptz(y.v, a.m, a.d - 2, 20, 0, 0, 'Asia/Shanghai'), make_timestamptz(y.v, a.m, a.d, 16, 30, 0, 'Asia/Shanghai')
  from y, (values
  ('00000000-0000-4000-f000-000000000001', '00000000-0000-4000-a000-000000000009', '00000000-0000-4000-8000-000000000010',
   '00000000-0000-4000-e000-000000000001', 'recommended', 5, 18,
   '在校长负责制下把好方向——示例一中党委保证监督的三点做法（示例）',
   E'## 一、问题的提出\n\n校长负责制下，党组织如何既不包办代替，又能把好方向，是我们调研的起点。\n\n## 二、主要做法\n\n一是重大事项会前沟通；二是党员教师在教研组中发挥示范作用；三是教代会民主管理与党内监督相衔接。\n\n## 三、几点体会\n\n保证监督贵在制度化、常态化。'),
  ('00000000-0000-4000-f000-000000000002', '00000000-0000-4000-a000-000000000003', '00000000-0000-4000-8000-000000000021',
   '00000000-0000-4000-e000-000000000003', 'submitted', 10, 12,
   '小学教育国际化从课堂开始（示例）',
   E'## 一、现状\n\n我校开设了国际理解教育校本课程。\n\n## 二、建议\n\n以课堂为主阵地，以教师交流为抓手，稳步推进。'),
  ('00000000-0000-4000-f000-000000000003', '00000000-0000-4000-a000-000000000005', '00000000-0000-4000-8000-000000000011',
   null, 'draft', 11, 20,
   '党员教研组长示范作用初探（草稿，示例）',
   E'## 一、调研对象\n\n本校六个教研组。')
) as a(id, author, org, topic, state, m, d, title, body)
on conflict (id) do nothing;

with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int as v)
insert into app.research_events (article_id, actor_id, action, comment, at)
select e.article::uuid, e.actor::uuid, e.action, e.comment, make_timestamptz(y.v, e.m, e.d, e.h, 0, 0, 'Asia/Shanghai')
  from y, (values
  ('00000000-0000-4000-f000-000000000001', '00000000-0000-4000-a000-000000000009', 'submit', '', 5, 18, 16),
  ('00000000-0000-4000-f000-000000000001', '00000000-0000-4000-a000-000000000001', 'recommend', '做法具体，建议推荐。', 5, 25, 10),
  ('00000000-0000-4000-f000-000000000002', '00000000-0000-4000-a000-000000000003', 'submit', '', 10, 12, 16)
) as e(article, actor, action, comment, m, d, h)
where not exists (select 1 from app.research_events x where x.article_id = e.article::uuid);

-- last year's collection, published, with two articles in two sections
with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int - 1 as v)
insert into app.research_articles (id, author_id, org_id, topic_id, year, title, body, state, rev, submitted_at, created_at, updated_at)
select a.id::uuid, a.author::uuid, a.org::uuid, null, y.v, a.title, a.body, 'selected', 1,
       make_timestamptz(y.v, 6, 10, 15, 0, 0, 'Asia/Shanghai'), make_timestamptz(y.v, 6, 1, 15, 0, 0, 'Asia/Shanghai'),
       make_timestamptz(y.v, 11, 20, 15, 0, 0, 'Asia/Shanghai')
  from y, (values
  ('00000000-0000-4000-f000-000000000101', '00000000-0000-4000-a000-000000000009', '00000000-0000-4000-8000-000000000010',
   '党组织保证监督作用的制度化路径（示例）',
   E'## 一、背景\n\n学校领导体制改革以来，党组织的保证监督作用需要制度来保障。\n\n## 二、做法\n\n建立党组织会议与校长办公会议的衔接机制，明确议事规则。\n\n## 三、成效\n\n重大决策失误为零，教职工满意度提高。'),
  ('00000000-0000-4000-f000-000000000102', '00000000-0000-4000-a000-000000000003', '00000000-0000-4000-8000-000000000021',
   '用好党员活动室，打造学习阵地（示例）',
   E'## 一、建设情况\n\n我校党员活动室配齐了学习资料和设备。\n\n## 二、使用情况\n\n每月开展一次主题学习，“三会一课”在此落实。')
) as a(id, author, org, title, body)
on conflict (id) do nothing;

with y as (select extract(year from now() at time zone 'Asia/Shanghai')::int - 1 as v)
insert into app.research_collections (id, year, title, foreword, published_at, created_at, updated_at)
select '00000000-0000-4000-f100-000000000001', y.v, y.v || '年示例县教育系统党建工作成果集',
       E'本集收录全县教育系统副校级以上干部撰写的优秀调研文章，供各基层党组织学习交流。\n\n示例县教育局党委',
       make_timestamptz(y.v, 12, 20, 9, 0, 0, 'Asia/Shanghai'), make_timestamptz(y.v, 11, 25, 9, 0, 0, 'Asia/Shanghai'),
       make_timestamptz(y.v, 12, 20, 9, 0, 0, 'Asia/Shanghai')
  from y
on conflict do nothing;

insert into app.research_sections (id, collection_id, title, sort_order) values
  ('00000000-0000-4000-f200-000000000001', '00000000-0000-4000-f100-000000000001', '学校领导体制', 1),
  ('00000000-0000-4000-f200-000000000002', '00000000-0000-4000-f100-000000000001', '阵地建设', 2)
on conflict (id) do nothing;

insert into app.research_collection_items (article_id, collection_id, section_id, sort_order, author_name, school, position, org_name)
select a.id, '00000000-0000-4000-f100-000000000001', s.section::uuid, s.ord, p.display_name, p.school, p.position, o.name
  from (values
    ('00000000-0000-4000-f000-000000000101', '00000000-0000-4000-f200-000000000001', 1),
    ('00000000-0000-4000-f000-000000000102', '00000000-0000-4000-f200-000000000002', 2)
  ) as s(article, section, ord)
  join app.research_articles a on a.id = s.article::uuid
  join app.profiles p on p.user_id = a.author_id
  join app.organisations o on o.id = a.org_id
on conflict (article_id) do nothing;
