-- Demo study sessions, relative to the first start of the stack: one in branch A whose check-in
-- is open right now (so the demo works at once), a 党课 next week, a 中心组学习 of the school
-- committee with the principal, a county-wide 专题讲座, and two past ones with attendance.
-- Idempotent: fixed ids and on conflict do nothing. The code secrets are made by a trigger.
-- Times are school hours in Asia/Shanghai (the bureau's time), N days from the day of the
-- first start: ((now() at time zone 'Asia/Shanghai')::date + interval 'N days HH:MM') at time
-- zone 'Asia/Shanghai'. Only the first session follows the clock, so that its check-in is open
-- whenever the demo starts.

insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id,
  checkin_opens_at, checkin_closes_at, created_by, minutes_topic, minutes_speakers, minutes_decisions, minutes_updated_at) values
  ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-8000-000000000011', 'general_meeting',
   '支部党员大会：学习党的十八大报告', date_trunc('minute', now()) + interval '10 minutes', 90, '党员活动室',
   '00000000-0000-4000-a000-000000000002', date_trunc('minute', now()) - interval '20 minutes',
   date_trunc('minute', now()) + interval '100 minutes', '00000000-0000-4000-a000-000000000002', '', '', '', null),
  ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-8000-000000000011', 'party_class',
   '党课：科学发展观与教育现代化', (((now() at time zone 'Asia/Shanghai')::date + interval '7 days 15:00') at time zone 'Asia/Shanghai'), 60, '党员活动室',
   '00000000-0000-4000-a000-000000000002', (((now() at time zone 'Asia/Shanghai')::date + interval '7 days 14:30') at time zone 'Asia/Shanghai'),
   (((now() at time zone 'Asia/Shanghai')::date + interval '7 days 15:15') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000002', '', '', '', null),
  ('00000000-0000-4000-d000-000000000003', '00000000-0000-4000-8000-000000000010', 'center_group',
   '党委中心组学习：融入天府新区建设', (((now() at time zone 'Asia/Shanghai')::date + interval '2 days 09:00') at time zone 'Asia/Shanghai'), 120, '学校三楼会议室',
   '00000000-0000-4000-a000-000000000009', (((now() at time zone 'Asia/Shanghai')::date + interval '2 days 08:30') at time zone 'Asia/Shanghai'),
   (((now() at time zone 'Asia/Shanghai')::date + interval '2 days 09:15') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000001', '', '', '', null),
  ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-8000-000000000001', 'lecture',
   '专题讲座：教育国际化的路径', (((now() at time zone 'Asia/Shanghai')::date + interval '3 days 14:00') at time zone 'Asia/Shanghai'), 90, '县教育局报告厅',
   '00000000-0000-4000-a000-000000000001', (((now() at time zone 'Asia/Shanghai')::date + interval '3 days 13:30') at time zone 'Asia/Shanghai'),
   (((now() at time zone 'Asia/Shanghai')::date + interval '3 days 14:15') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000001', '', '', '', null),
  ('00000000-0000-4000-d000-000000000005', '00000000-0000-4000-8000-000000000011', 'general_meeting',
   '支部党员大会：形势任务教育', (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 16:00') at time zone 'Asia/Shanghai'), 60, '党员活动室',
   '00000000-0000-4000-a000-000000000002', (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 15:30') at time zone 'Asia/Shanghai'),
   (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 16:15') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000002',
   '学习县第十三次党代会报告', '王书记（示例）；张老师（示例）', '一、每位党员本月完成报告原文学习；二、下次组织生活会交流学习心得。', (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 17:30') at time zone 'Asia/Shanghai')),
  ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-8000-000000000021', 'party_class',
   '党课：“三个代表”重要思想', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 15:00') at time zone 'Asia/Shanghai'), 60, '党员活动室',
   '00000000-0000-4000-a000-000000000003', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 14:30') at time zone 'Asia/Shanghai'),
   (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 15:15') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000003',
   '“三个代表”重要思想的历史地位', '李书记（示例）', '各党小组结合教学实际开展讨论。', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 16:30') at time zone 'Asia/Shanghai'))
on conflict (id) do nothing;

insert into app.session_orgs (session_id, org_id) values
  ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-8000-000000000011'),
  ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-8000-000000000011'),
  ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-8000-000000000001'),
  ('00000000-0000-4000-d000-000000000005', '00000000-0000-4000-8000-000000000011'),
  ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-8000-000000000021')
on conflict do nothing;

-- the school committee's 中心组: its members by name (双重组织生活: the principal lives in a branch)
insert into app.session_invitees (session_id, user_id) values
  ('00000000-0000-4000-d000-000000000003', '00000000-0000-4000-a000-000000000009'),
  ('00000000-0000-4000-d000-000000000003', '00000000-0000-4000-a000-000000000002')
on conflict do nothing;

insert into app.checkins (id, session_id, user_id, status, method, checked_at, marked_by, reason) values
  ('00000000-0000-4000-d100-000000000001', '00000000-0000-4000-d000-000000000005', '00000000-0000-4000-a000-000000000002', 'present', 'code', (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 15:50') at time zone 'Asia/Shanghai'), null, null),
  ('00000000-0000-4000-d100-000000000002', '00000000-0000-4000-d000-000000000005', '00000000-0000-4000-a000-000000000004', 'present', 'qr', (((now() at time zone 'Asia/Shanghai')::date + interval '-14 days 15:55') at time zone 'Asia/Shanghai'), null, null),
  ('00000000-0000-4000-d100-000000000003', '00000000-0000-4000-d000-000000000006', '00000000-0000-4000-a000-000000000003', 'present', 'code', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 14:52') at time zone 'Asia/Shanghai'), null, null),
  ('00000000-0000-4000-d100-000000000004', '00000000-0000-4000-d000-000000000006', '00000000-0000-4000-a000-000000000007', 'late', 'manual', (((now() at time zone 'Asia/Shanghai')::date + interval '-7 days 15:05') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000003', '手机没电，现场确认')
on conflict do nothing;

-- 陈老师 asked for leave from the past meeting (approved: make-up study is due); 周老师 missed the 党课
insert into app.leave_requests (id, session_id, user_id, reason, status, created_at, decided_by, decided_at) values
  ('00000000-0000-4000-d200-000000000001', '00000000-0000-4000-d000-000000000005', '00000000-0000-4000-a000-000000000005', '带学生参加市运动会', 'approved', (((now() at time zone 'Asia/Shanghai')::date + interval '-15 days 10:20') at time zone 'Asia/Shanghai'), '00000000-0000-4000-a000-000000000002', (((now() at time zone 'Asia/Shanghai')::date + interval '-15 days 12:40') at time zone 'Asia/Shanghai'))
on conflict do nothing;
