-- The great discussion (献力天府新区建设大讨论): county-wide topics taken from the plan, one
-- branch topic, a closed topic with its 讨论成果, and a few demo replies. Idempotent (fixed ids).
-- Topic ids 00000000-0000-4000-9300-…, post ids 00000000-0000-4000-9310-….

insert into app.topics (id, org_id, title, prompt, status, deadline, created_by, created_at, published_at, closed_at, last_activity_at) values
  ('00000000-0000-4000-9300-000000000001', '00000000-0000-4000-8000-000000000001',
   '双流如何更好地融入天府新区建设',
   E'2012年是天府新区建设的起步之年。围绕“双流如何更好地融入天府新区建设”，请结合本校、本岗位谈一谈：\n1. 新区建设给我县教育带来了哪些机遇和挑战？\n2. 学校和教师可以在哪些方面主动作为？\n3. 你准备从哪件具体的事做起？',
   'open', null, '00000000-0000-4000-a000-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '-10 days 09:03') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-10 days 09:06') at time zone 'Asia/Shanghai'), null, (((now() at time zone 'Asia/Shanghai')::date + interval '-10 days 09:09') at time zone 'Asia/Shanghai')),
  ('00000000-0000-4000-9300-000000000002', '00000000-0000-4000-8000-000000000001',
   '加快教育国际化进程，我们能做什么',
   E'围绕“加快双流教育国际化进程”开展思想大讨论。请谈谈：国际化对课堂教学、教师成长和学生培养意味着什么？在现有条件下，学校可以迈出哪些切实可行的步子？',
   'open', (((now() at time zone 'Asia/Shanghai')::date + interval '30 days 18:00') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '-8 days 09:12') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-8 days 09:15') at time zone 'Asia/Shanghai'), null, (((now() at time zone 'Asia/Shanghai')::date + interval '-8 days 09:18') at time zone 'Asia/Shanghai')),
  ('00000000-0000-4000-9300-000000000003', '00000000-0000-4000-8000-000000000001',
   '党组织如何在校长负责制下发挥保证监督作用',
   E'来自“扎实开展调研活动”：新形势下如何处理好校长负责制和发挥党组织保证监督作用之间的关系？请结合本校实际，谈谈好的做法、遇到的难题和破解的思路。',
   'open', null, '00000000-0000-4000-a000-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '-6 days 09:21') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-6 days 09:24') at time zone 'Asia/Shanghai'), null, (((now() at time zone 'Asia/Shanghai')::date + interval '-6 days 09:27') at time zone 'Asia/Shanghai')),
  ('00000000-0000-4000-9300-000000000004', '00000000-0000-4000-8000-000000000001',
   '立足岗位讲奉献、创先争优当先锋',
   E'围绕党员示范工程“立足岗位讲奉献，创先争优当先锋”主题，结合“三亮三比三评”（亮身份、亮标准、亮承诺；比技能、比作风、比业绩），说说你身边的先锋故事，或你在岗位上的承诺。',
   'closed', null, '00000000-0000-4000-a000-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '-40 days 09:30') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-40 days 09:33') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-5 days 21:30') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-5 days 21:30') at time zone 'Asia/Shanghai')),
  ('00000000-0000-4000-9300-000000000005', '00000000-0000-4000-8000-000000000011',
   '支部讨论：把理论学习落到课堂上',
   E'第一党支部本月讨论：学习党的基本理论，怎样才能不停留在笔记上，而是落到备课、上课和班级管理中？请每位党员至少分享一个具体做法。',
   'open', (((now() at time zone 'Asia/Shanghai')::date + interval '14 days 18:00') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000002', (((now() at time zone 'Asia/Shanghai')::date + interval '-3 days 09:42') at time zone 'Asia/Shanghai'), (((now() at time zone 'Asia/Shanghai')::date + interval '-3 days 09:45') at time zone 'Asia/Shanghai'), null, (((now() at time zone 'Asia/Shanghai')::date + interval '-3 days 09:48') at time zone 'Asia/Shanghai'))
on conflict (id) do nothing;

insert into app.posts (id, topic_id, author_id, body, quote_post_id, created_at, is_summary) values
  ('00000000-0000-4000-9310-000000000001', '00000000-0000-4000-9300-000000000001', '00000000-0000-4000-a000-000000000004',
   E'新区建设带来的是人口和产业的聚集，对优质教育的需求会越来越大。我觉得学校首先要把课堂质量抓实，让家长愿意把孩子留在家门口上学。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-9 days 19:09') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000002', '00000000-0000-4000-9300-000000000001', '00000000-0000-4000-a000-000000000007',
   E'小学这边感受也很明显：新建小区的孩子越来越多。建议在师资培训上多和新区学校交流，资料可以参考 https://www.gov.cn 上的政策解读。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-8 days 19:18') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000003', '00000000-0000-4000-9300-000000000001', '00000000-0000-4000-a000-000000000005',
   E'同意张老师的看法。另外，数学组可以尝试和新区企业合作，开发一些联系实际的综合实践课。', '00000000-0000-4000-9310-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 19:27') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000004', '00000000-0000-4000-9300-000000000002', '00000000-0000-4000-a000-000000000006',
   E'作为英语教师，我觉得国际化不只是多开外语课，更重要的是培养学生开放的视野和跨文化交流的能力。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 19:36') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000005', '00000000-0000-4000-9300-000000000003', '00000000-0000-4000-a000-000000000009',
   E'我们学校的做法是：重大事项先经党委会研究，再提交校务会决策；党组织重在把方向、管大局、保落实。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-5 days 19:45') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000006', '00000000-0000-4000-9300-000000000004', '00000000-0000-4000-a000-000000000004',
   E'我的承诺：本学期每周为学困生义务辅导两次，做到不让一个孩子掉队。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-30 days 19:54') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000007', '00000000-0000-4000-9300-000000000004', '00000000-0000-4000-a000-000000000008',
   E'我们党小组开展了“亮身份”活动，党员教师在办公桌上摆放党员标识牌，接受师生监督。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-25 days 20:03') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000008', '00000000-0000-4000-9300-000000000004', '00000000-0000-4000-a000-000000000001',
   E'讨论成果：\n1. 全系统党员教师作出岗位承诺，通过“亮身份、亮标准、亮承诺”接受群众监督；\n2. 以“比技能、比作风、比业绩”为抓手，各支部推荐党员示范岗候选人；\n3. 年底开展群众评议、党员互评、领导点评，评议结果作为评先选优的重要依据。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-5 days 20:12') at time zone 'Asia/Shanghai'), true),
  ('00000000-0000-4000-9310-000000000009', '00000000-0000-4000-9300-000000000005', '00000000-0000-4000-a000-000000000002',
   E'我先抛砖引玉：语文组可以把《为人民服务》等篇目的学习和“立德树人”结合起来，每节课留五分钟讨论。', null, (((now() at time zone 'Asia/Shanghai')::date + interval '-2 days 20:21') at time zone 'Asia/Shanghai'), false),
  ('00000000-0000-4000-9310-000000000010', '00000000-0000-4000-9300-000000000005', '00000000-0000-4000-a000-000000000004',
   E'赞同王书记的建议。我准备在班会课上开展一次“身边的榜样”主题分享。', '00000000-0000-4000-9310-000000000009', (((now() at time zone 'Asia/Shanghai')::date + interval '-1 days 20:30') at time zone 'Asia/Shanghai'), false)
on conflict (id) do nothing;

update app.posts set pinned_at = (((now() at time zone 'Asia/Shanghai')::date + interval '-6 days 08:30') at time zone 'Asia/Shanghai'), pinned_by = '00000000-0000-4000-a000-000000000001'
 where id = '00000000-0000-4000-9310-000000000001' and pinned_at is null;

update app.topics set summary_post_id = '00000000-0000-4000-9310-000000000008'
 where id = '00000000-0000-4000-9300-000000000004' and summary_post_id is null;

insert into app.post_reactions (post_id, user_id) values
  ('00000000-0000-4000-9310-000000000001', '00000000-0000-4000-a000-000000000005'),
  ('00000000-0000-4000-9310-000000000001', '00000000-0000-4000-a000-000000000002'),
  ('00000000-0000-4000-9310-000000000005', '00000000-0000-4000-a000-000000000001')
on conflict do nothing;
