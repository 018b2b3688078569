-- The demo organisation: a county education bureau with two schools (clearly demo names),
-- its branches and a Party group, demo accounts (password demo1234) and an open invite.
-- Idempotent: fixed ids and on conflict do nothing. Ids are referenced by later seed files.

insert into app.organisations (id, parent_id, kind, name, sort_order) values
  ('00000000-0000-4000-8000-000000000001', null, 'bureau', '示例县教育局党委', 0),
  ('00000000-0000-4000-8000-000000000030', '00000000-0000-4000-8000-000000000001', 'branch', '示例县教育局机关党支部', 1),
  ('00000000-0000-4000-8000-000000000010', '00000000-0000-4000-8000-000000000001', 'committee', '示例县第一中学党委', 2),
  ('00000000-0000-4000-8000-000000000011', '00000000-0000-4000-8000-000000000010', 'branch', '示例一中第一党支部', 1),
  ('00000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000010', 'branch', '示例一中第二党支部', 2),
  ('00000000-0000-4000-8000-000000000020', '00000000-0000-4000-8000-000000000001', 'general_branch', '示例县实验小学党总支', 3),
  ('00000000-0000-4000-8000-000000000021', '00000000-0000-4000-8000-000000000020', 'branch', '示例实验小学教师党支部', 1),
  ('00000000-0000-4000-8000-000000000022', '00000000-0000-4000-8000-000000000021', 'group', '示例实验小学低年级党小组', 1)
on conflict (id) do nothing;

-- demo accounts, as GoTrue writes users (admin createUser with email and phone, both confirmed):
-- instance_id the nil UUID, aud and role 'authenticated', '' in every column GoTrue reads into a
-- string (NULL there makes GoTrue answer 500 on sign-in), the email lower-case, the phone without
-- '+', a bcrypt hash (pgcrypto's bf is GoTrue's $2a$), and one identity per provider: email
-- sign-in and phone sign-in both find theirs. supabase/tests/auth-shape.test.ts checks all of it.
with demo(id, email, phone, name, school, position) as (values
  ('00000000-0000-4000-a000-000000000001'::uuid, 'admin@demo.example', '8613800000001', '局党委管理员（示例）', '示例县教育局', '组织科干部'),
  ('00000000-0000-4000-a000-000000000002'::uuid, 'secretary1@demo.example', '8613800000002', '王书记（示例）', '示例县第一中学', '第一党支部书记'),
  ('00000000-0000-4000-a000-000000000003'::uuid, 'secretary2@demo.example', '8613800000003', '李书记（示例）', '示例县实验小学', '教师党支部书记'),
  ('00000000-0000-4000-a000-000000000004'::uuid, 'teacher1@demo.example', '8613800000004', '张老师（示例）', '示例县第一中学', '语文教师'),
  ('00000000-0000-4000-a000-000000000005'::uuid, 'teacher2@demo.example', '8613800000005', '陈老师（示例）', '示例县第一中学', '数学教师'),
  ('00000000-0000-4000-a000-000000000006'::uuid, 'teacher3@demo.example', '8613800000006', '刘老师（示例）', '示例县第一中学', '英语教师'),
  ('00000000-0000-4000-a000-000000000007'::uuid, 'teacher4@demo.example', '8613800000007', '赵老师（示例）', '示例县实验小学', '科学教师'),
  ('00000000-0000-4000-a000-000000000008'::uuid, 'teacher5@demo.example', '8613800000008', '周老师（示例）', '示例县实验小学', '音乐教师'),
  ('00000000-0000-4000-a000-000000000009'::uuid, 'principal@demo.example', '8613800000009', '孙校长（示例）', '示例县第一中学', '校长')
)
insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change_token_current, email_change,
  phone_change, phone_change_token, reauthentication_token,
  raw_app_meta_data, raw_user_meta_data, is_sso_user, is_anonymous, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', id, 'authenticated', 'authenticated', lower(email), phone,
       extensions.crypt('demo1234', extensions.gen_salt('bf')), now(), now(),
       '', '', '', '', '', '', '', '',
       '{"provider":"email","providers":["email","phone"]}',
       jsonb_build_object('display_name', name, 'school', school, 'position', position, 'email_verified', true),
       false, false, now(), now()
  from demo
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id, i.data, i.provider, now(), now(), now()
  from auth.users u
 cross join lateral (values
   ('email', jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true, 'phone_verified', false)),
   ('phone', jsonb_build_object('sub', u.id::text, 'phone', u.phone, 'email_verified', false, 'phone_verified', true))
 ) as i(provider, data)
 where u.id::text like '00000000-0000-4000-a000-%'
on conflict (provider_id, provider) do nothing;

insert into app.memberships (id, org_id, user_id, role) values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-a000-000000000001', 'admin'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-8000-000000000011', '00000000-0000-4000-a000-000000000002', 'secretary'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-8000-000000000021', '00000000-0000-4000-a000-000000000003', 'secretary'),
  ('00000000-0000-4000-b000-000000000004', '00000000-0000-4000-8000-000000000011', '00000000-0000-4000-a000-000000000004', 'member'),
  ('00000000-0000-4000-b000-000000000005', '00000000-0000-4000-8000-000000000011', '00000000-0000-4000-a000-000000000005', 'member'),
  ('00000000-0000-4000-b000-000000000006', '00000000-0000-4000-8000-000000000012', '00000000-0000-4000-a000-000000000006', 'member'),
  ('00000000-0000-4000-b000-000000000007', '00000000-0000-4000-8000-000000000021', '00000000-0000-4000-a000-000000000007', 'member'),
  ('00000000-0000-4000-b000-000000000008', '00000000-0000-4000-8000-000000000022', '00000000-0000-4000-a000-000000000008', 'member'),
  -- 双重组织生活: the principal sits on the school committee and lives in a branch too
  ('00000000-0000-4000-b000-000000000009', '00000000-0000-4000-8000-000000000010', '00000000-0000-4000-a000-000000000009', 'committee'),
  ('00000000-0000-4000-b000-000000000010', '00000000-0000-4000-8000-000000000012', '00000000-0000-4000-a000-000000000009', 'member')
on conflict (id) do nothing;
-- the demo members have belonged since the plan's school year, so the seeded past sessions
-- (attendance counts who belonged on the day) expect them
update app.memberships set joined_at = '2012-09-01 00:00+08'
 where id::text like '00000000-0000-4000-b000-%' and joined_at > '2012-09-01 00:00+08';

insert into app.invites (id, org_id, code, role, created_by) values
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-8000-000000000011', 'DEMO2026', 'member', '00000000-0000-4000-a000-000000000002')
on conflict (id) do nothing;
