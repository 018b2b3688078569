-- An invite of 示例实验小学教师党支部 that needs the secretary's approval (李书记, secretary2):
-- whoever opens /join?code=DEMOASK1 asks to join, and the secretary answers on
-- /admin/join-requests (supabase/migrations/202612012301_join_requests.sql).
insert into app.invites (id, org_id, code, role, created_by, needs_approval) values
  ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-8000-000000000021', 'DEMOASK1', 'member', '00000000-0000-4000-a000-000000000003', true)
on conflict (id) do nothing;
