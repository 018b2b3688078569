-- Attendance by who belonged on the day (#16.5), and attendance and 学时 from a summary kept by
-- the writes (#15).
--
-- A membership is a period: app.memberships.during = [joined_at, ended_at). Moving or removing a
-- member already closes the old row with ended_at (member_move, member_remove) and adding opens
-- one; what changes here is that every count of "the members of an organisation at a session"
-- asks who belonged at the session's start (app.session_members, the one place that says so)
-- instead of who belongs now. So a member moved to another branch keeps last term's record in
-- the old branch, and the new branch's past sessions do not suddenly count them absent.
--
-- app.attendance_facts is that expected list, materialised: one row per (session, expected
-- member) with the member's check-in and leave, kept current by the writes that change them
-- (check-in, manual mark, leave request and decision: one row by primary key; the expected list,
-- the session's time, a roster or the tree: the affected sessions and members recomputed from
-- app.session_members). Attendance summaries, reports and 学时 read it instead of rescanning
-- check-ins against the whole tree. supabase/tests/attendance.test.ts compares it with the
-- direct computation on the seeds and after random writes.

-- tables ------------------------------------------------------------------------------------

alter table app.memberships add column during tstzrange
  generated always as (tstzrange(joined_at, ended_at, '[)')) stored;
comment on column app.memberships.during is
  'The period the member belonged: [joined_at, ended_at). "Belonged at t" is during @> t, everywhere.';

create table app.attendance_facts (
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  org_id uuid references app.organisations (id),
  orgs uuid[] not null default '{}',
  session_org_id uuid not null,
  kind text not null,
  starts_at timestamptz not null,
  closes_at timestamptz not null,
  duration_minutes int not null,
  cancelled boolean not null default false,
  checkin_status text,
  leave_status text,
  primary key (session_id, user_id)
);
comment on table app.attendance_facts is
  'Who was expected at each session (app.session_members and invitees), with their check-in and leave: '
  'org_id is the deepest organisation that brought them (null: invited only), orgs that organisation '
  'and everything above it for every membership that brought them (the report rows they count in). '
  'A summary kept by triggers; app.attendance_rebuild() recomputes it.';

-- indexes -----------------------------------------------------------------------------------

-- ended memberships too: "who belonged then" looks a user's history up
create index memberships_user_during_idx on app.memberships (user_id);
create index attendance_facts_user_idx on app.attendance_facts (user_id, starts_at);
create index attendance_facts_starts_idx on app.attendance_facts (starts_at);
create index attendance_facts_org_id_idx on app.attendance_facts (org_id);

-- the rule ----------------------------------------------------------------------------------

-- The members of a session's expected organisations (and everything below them) who belonged
-- at the session's start: one row per (session, membership, expected organisation it falls
-- under). Invitees are added by each reader. Written with the tree walk from the expected
-- organisation down (GIN on path) so that both "one session" and "one member" plan well.
create view app.session_members as
  select so.session_id, m.user_id, m.org_id, o.path, cardinality(o.path) as depth
    from app.session_orgs so
    join app.sessions s on s.id = so.session_id
    join app.organisations o on o.path @> array[so.org_id]
    join app.memberships m on m.org_id = o.id and m.during @> s.starts_at;
comment on view app.session_members is
  'Members expected at a session through its organisations: those who belonged at its start. The one place that rule is written.';
revoke all on app.session_members from public, anon, authenticated;
grant select on app.session_members to service_role;

-- RLS ---------------------------------------------------------------------------------------

alter table app.attendance_facts enable row level security;
create policy attendance_facts_select on app.attendance_facts for select to authenticated using (false);
grant all on app.attendance_facts to service_role;

-- functions: the expected list --------------------------------------------------------------

create or replace function app.session_expected(p_session uuid)
returns table (user_id uuid, org_id uuid)
language sql stable security definer set search_path = '' as $$
  select distinct on (x.user_id) x.user_id, x.org_id
    from (
      select sm.user_id, sm.org_id, sm.depth from app.session_members sm where sm.session_id = p_session
      union all
      select i.user_id, null::uuid, 0 from app.session_invitees i where i.session_id = p_session
    ) x
   order by x.user_id, x.depth desc, x.org_id
$$;

create or replace function app.is_expected(p_session uuid, p_user uuid) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  return exists (select 1 from app.session_invitees i where i.session_id = p_session and i.user_id = p_user)
      or exists (select 1 from app.session_members sm where sm.session_id = p_session and sm.user_id = p_user);
end
$$;

create or replace function app.expected_count(p_session uuid) returns int
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select count(*)::int from (
    select sm.user_id from app.session_members sm where sm.session_id = p_session
    union
    select i.user_id from app.session_invitees i where i.session_id = p_session) x);
end
$$;

-- functions: the summary --------------------------------------------------------------------

-- The facts of some sessions (all their members when p_users is null) recomputed from the rule.
create function app.attendance_refresh(p_sessions uuid[], p_users uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if cardinality(p_sessions) = 0 or cardinality(p_users) = 0 then
    return;
  end if;
  delete from app.attendance_facts f
   where f.session_id = any (p_sessions) and (p_users is null or f.user_id = any (p_users));
  with x as (
    select sm.session_id, sm.user_id, sm.org_id, sm.depth, sm.path
      from app.session_members sm
     where sm.session_id = any (p_sessions) and (p_users is null or sm.user_id = any (p_users))
    union all
    select i.session_id, i.user_id, null, 0, null
      from app.session_invitees i
     where i.session_id = any (p_sessions) and (p_users is null or i.user_id = any (p_users))
  ),
  e as (
    select x.session_id, x.user_id, (array_agg(x.org_id order by x.depth desc, x.org_id))[1] as org_id
      from x group by x.session_id, x.user_id
  ),
  p as (
    select x.session_id, x.user_id, array_agg(distinct a.org_id order by a.org_id) as orgs
      from x cross join lateral unnest(x.path) as a(org_id) group by x.session_id, x.user_id
  )
  insert into app.attendance_facts (session_id, user_id, org_id, orgs, session_org_id, kind, starts_at, closes_at,
                                    duration_minutes, cancelled, checkin_status, leave_status)
  select e.session_id, e.user_id, e.org_id, coalesce(p.orgs, '{}'), s.org_id, s.kind, s.starts_at, s.checkin_closes_at,
         s.duration_minutes, s.cancelled_at is not null, c.status, l.status
    from e
    join app.sessions s on s.id = e.session_id
    left join p on p.session_id = e.session_id and p.user_id = e.user_id
    left join app.checkins c on c.session_id = e.session_id and c.user_id = e.user_id
    left join app.leave_requests l on l.session_id = e.session_id and l.user_id = e.user_id;
end
$$;

-- The whole summary from the rule (the backfill below; the benchmark after bulk loading with
-- triggers off).
create function app.attendance_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.attendance_facts;
  perform app.attendance_refresh(array(select s.id from app.sessions s), null);
end
$$;

-- triggers ----------------------------------------------------------------------------------

-- a check-in or manual mark: the member's one row (no row when they were not expected)
create function app.checkins_attendance_fact() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' then
    update app.attendance_facts f set checkin_status = null
     where f.session_id = old.session_id and f.user_id = old.user_id;
  else
    if tg_op = 'UPDATE' and (old.session_id, old.user_id) is distinct from (new.session_id, new.user_id) then
      update app.attendance_facts f set checkin_status = null
       where f.session_id = old.session_id and f.user_id = old.user_id;
    end if;
    update app.attendance_facts f set checkin_status = new.status
     where f.session_id = new.session_id and f.user_id = new.user_id and f.checkin_status is distinct from new.status;
  end if;
  return null;
end
$$;
create trigger checkins_attendance_fact after insert or update or delete on app.checkins
  for each row execute function app.checkins_attendance_fact();

create function app.leave_requests_attendance_fact() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' then
    update app.attendance_facts f set leave_status = null
     where f.session_id = old.session_id and f.user_id = old.user_id;
  else
    if tg_op = 'UPDATE' and (old.session_id, old.user_id) is distinct from (new.session_id, new.user_id) then
      update app.attendance_facts f set leave_status = null
       where f.session_id = old.session_id and f.user_id = old.user_id;
    end if;
    update app.attendance_facts f set leave_status = new.status
     where f.session_id = new.session_id and f.user_id = new.user_id and f.leave_status is distinct from new.status;
  end if;
  return null;
end
$$;
create trigger leave_requests_attendance_fact after insert or update or delete on app.leave_requests
  for each row execute function app.leave_requests_attendance_fact();

-- the expected organisations of some sessions changed: those sessions, everyone
create function app.session_orgs_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.attendance_refresh(array(select distinct x.session_id from changed x), null);
  return null;
end
$$;
create trigger session_orgs_attendance_facts_ins after insert on app.session_orgs
  referencing new table as changed for each statement execute function app.session_orgs_attendance_facts();
create trigger session_orgs_attendance_facts_del after delete on app.session_orgs
  referencing old table as changed for each statement execute function app.session_orgs_attendance_facts();

-- invitees changed: those sessions, those people
create function app.session_invitees_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  r record;
begin
  for r in select x.session_id, array_agg(distinct x.user_id) as users from changed x group by x.session_id loop
    perform app.attendance_refresh(array[r.session_id], r.users);
  end loop;
  return null;
end
$$;
create trigger session_invitees_attendance_facts_ins after insert on app.session_invitees
  referencing new table as changed for each statement execute function app.session_invitees_attendance_facts();
create trigger session_invitees_attendance_facts_del after delete on app.session_invitees
  referencing old table as changed for each statement execute function app.session_invitees_attendance_facts();

-- a roster change (join, move, removal, a changed date): the members concerned at every session
-- expected of their organisation or one above it
create function app.memberships_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.attendance_refresh(
    array(select distinct so.session_id
            from changed x
            join app.organisations o on o.id = x.org_id
            join app.session_orgs so on so.org_id = any (o.path)),
    array(select distinct x.user_id from changed x));
  return null;
end
$$;
create trigger memberships_attendance_facts_ins after insert on app.memberships
  referencing new table as changed for each statement execute function app.memberships_attendance_facts();
create trigger memberships_attendance_facts_del after delete on app.memberships
  referencing old table as changed for each statement execute function app.memberships_attendance_facts();
create trigger memberships_attendance_facts_upd_old after update on app.memberships
  referencing old table as changed for each statement execute function app.memberships_attendance_facts();
create trigger memberships_attendance_facts_upd_new after update on app.memberships
  referencing new table as changed for each statement execute function app.memberships_attendance_facts();

-- an organisation moved in the tree: every session expected of an organisation on its old or new path
create function app.organisations_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.attendance_refresh(array(
    select distinct so.session_id
      from (select o.path from old_rows o join new_rows n on n.id = o.id where n.path is distinct from o.path
            union all
            select n.path from old_rows o join new_rows n on n.id = o.id where n.path is distinct from o.path) p
      join app.session_orgs so on so.org_id = any (p.path)), null);
  return null;
end
$$;
create trigger organisations_attendance_facts after update on app.organisations
  referencing old table as old_rows new table as new_rows for each statement execute function app.organisations_attendance_facts();

-- a session moved in time changes who belonged at its start (facts and the expected counter);
-- its other copied fields are updated in place
create function app.sessions_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.starts_at is distinct from old.starts_at then
    perform app.attendance_refresh(array[new.id], null);
    perform app.tally_expected(array[new.id]);
  elsif (new.kind, new.checkin_closes_at, new.duration_minutes, new.cancelled_at is not null)
        is distinct from (old.kind, old.checkin_closes_at, old.duration_minutes, old.cancelled_at is not null) then
    update app.attendance_facts f
       set kind = new.kind, closes_at = new.checkin_closes_at, duration_minutes = new.duration_minutes,
           cancelled = new.cancelled_at is not null
     where f.session_id = new.id;
  end if;
  return null;
end
$$;
create trigger sessions_attendance_facts after update on app.sessions
  for each row execute function app.sessions_attendance_facts();

-- functions: readers of the summary -----------------------------------------------------------

-- Attendance per member and per organisation over a period, for a manager of p_org (same shape).
create or replace function app.attendance_summary(p_org uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' set jit = off as $$
begin
  perform app.require_user();
  if p_org is null or p_from is null or p_to is null or p_from > p_to or p_to - p_from > 366 then
    raise exception using message = 'attendance.period_invalid', errcode = 'P0001';
  end if;
  if not app.can_manage(p_org) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  return (
    with sub as (
      select o.id, o.name, o.path from app.organisations o where o.path @> array[p_org]
    ),
    ss as (
      select s.id from app.sessions s
       where s.org_id in (select id from sub) and s.cancelled_at is null
         and s.starts_at >= p_from::timestamptz and s.starts_at < (p_to + 1)::timestamptz
         and s.checkin_closes_at < now()
    ),
    -- expected (session, member) pairs from the summary: those who belonged on the day to an
    -- organisation of the subtree, counted in the deepest one that brought them
    st as (
      select f.user_id, f.org_id,
             coalesce(f.checkin_status, case when f.leave_status = 'approved' then 'excused' else 'absent' end) as status
        from app.attendance_facts f
       where f.session_org_id in (select id from sub) and not f.cancelled
         and f.starts_at >= p_from::timestamptz and f.starts_at < (p_to + 1)::timestamptz
         and f.closes_at < now() and f.org_id in (select id from sub)
    ),
    per_member as (
      select st.user_id, min(st.org_id::text)::uuid as org_id, count(*) as expected,
             count(*) filter (where status = 'present') as present,
             count(*) filter (where status = 'late') as late,
             count(*) filter (where status = 'excused') as excused,
             count(*) filter (where status = 'absent') as absent
        from st group by st.user_id
    ),
    per_org as (
      select st.org_id, count(*) as expected,
             count(*) filter (where status = 'present') as present,
             count(*) filter (where status = 'late') as late,
             count(*) filter (where status = 'excused') as excused,
             count(*) filter (where status = 'absent') as absent
        from st group by st.org_id
    )
    select jsonb_build_object(
      'org_id', p_org, 'from', p_from, 'to', p_to,
      'formula', '(present + late) / expected',
      'sessions', (select count(*) from ss),
      'orgs', coalesce((
        select jsonb_agg(jsonb_build_object('org_id', po.org_id, 'name', sub.name,
            'expected', po.expected, 'present', po.present, 'late', po.late, 'excused', po.excused,
            'absent', po.absent, 'rate', round((po.present + po.late)::numeric / nullif(po.expected, 0), 4))
            order by sub.path)
          from per_org po join sub on sub.id = po.org_id), '[]'::jsonb),
      'members', coalesce((
        select jsonb_agg(jsonb_build_object('user_id', pm.user_id, 'display_name', pr.display_name,
            'org_name', sub.name, 'expected', pm.expected, 'present', pm.present, 'late', pm.late,
            'excused', pm.excused, 'absent', pm.absent,
            'rate', round((pm.present + pm.late)::numeric / nullif(pm.expected, 0), 4))
            order by sub.path, pr.display_name)
          from per_member pm join app.profiles pr on pr.user_id = pm.user_id
          join sub on sub.id = pm.org_id), '[]'::jsonb))
  );
end
$$;

-- The report's attendance and session 学时 per organisation of p_root's subtree, from the
-- summary: each expected (session, member) counts in the rows of the organisations that brought
-- the member on the day and everything above them. Its own function so that it plans with
-- nested loops allowed (report_data turns them off for its bulk joins) and without JIT.
create function app.report_attendance(p_root uuid, p_from date, p_to date)
returns table (org_id uuid, attendance jsonb, expected int, attended int, session_minutes int)
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' set jit = off as $$
declare
  v_orgs uuid[] := array(select o.id from app.organisations o where o.path @> array[p_root] and o.retired_at is null);
begin
  return query
  -- grouped by the set of report rows first (a few hundred distinct sets in a county), then
  -- spread over those rows: the spreading does not grow with the number of check-ins
  with g as (
    select x.orgs, x.kind, x.starts_at <= now() as held,
           coalesce(x.checkin_status in ('present', 'late'), false) as attended,
           coalesce(x.checkin_status = 'excused', false) as excused,
           count(*)::int as n, sum(x.duration_minutes)::int as minutes
      from app.attendance_facts x
     where not x.cancelled and x.starts_at >= p_from and x.starts_at < (p_to + 1) and x.org_id is not null
     group by 1, 2, 3, 4, 5
  ),
  k as (
    select r.org_id, g.kind,
           coalesce(sum(g.n) filter (where g.held), 0)::int as expected,
           coalesce(sum(g.n) filter (where g.held and g.attended), 0)::int as attended,
           coalesce(sum(g.n) filter (where g.held and g.excused), 0)::int as excused,
           coalesce(sum(g.minutes) filter (where g.attended), 0)::int as minutes
      from g cross join lateral unnest(g.orgs) as r(org_id)
     where r.org_id = any (v_orgs)
     group by 1, 2
  )
  select k.org_id,
         coalesce(jsonb_agg(jsonb_build_object('kind', k.kind, 'expected', k.expected, 'attended', k.attended,
           'excused', k.excused) order by k.kind) filter (where k.expected > 0), '[]'::jsonb),
         sum(k.expected)::int, sum(k.attended)::int, sum(k.minutes)::int
    from k group by k.org_id;
end
$$;

-- The bureau's and an organisation's report: attendance and session 学时 now from the summary.
create or replace function app.report_data(p_root uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' set enable_nestloop = off set jit = off set work_mem = '32MB' set timezone = 'Asia/Shanghai' as $$
declare
  v_result jsonb;
begin
  if not app.can_manage(p_root) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  root as (select o.id, o.path from app.organisations o where o.id = p_root),
  orgs as (select o.* from app.organisations o, root where o.path @> array[root.id] and o.retired_at is null),
  -- (organisation, each organisation above it and itself): turns "in the subtree of" into equality joins
  anc as (select o.id as org_id, a.ancestor_id from orgs o cross join lateral unnest(o.path) as a(ancestor_id)),
  mem as (select distinct m.user_id, m.org_id from app.memberships m join orgs o on o.id = m.org_id where m.ended_at is null),
  row_users as (
    select distinct a.ancestor_id as org_id, mem.user_id
      from mem join anc a on a.org_id = mem.org_id join orgs r on r.id = a.ancestor_id),
  users as (select distinct mem.user_id from mem),
  plans as (
    select p.id, p.title, p.due_on, p.org_id,
           (select count(*) from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
             where pr.plan_id = p.id)::int as sections
      from app.study_plans p, root
     where exists (select 1 from app.plan_orgs po
                    where po.plan_id = p.id and (po.org_id = any (root.path) or po.org_id in (select orgs.id from orgs)))
       and p.due_on >= p_from and p.created_at < (p_to + 1)),
  plan_users as (
    select distinct p.id as plan_id, mem.user_id
      from plans p join app.plan_orgs po on po.plan_id = p.id
      join anc a on a.ancestor_id = po.org_id join mem on mem.org_id = a.org_id),
  ticks as (
    select t.user_id, pr.plan_id, count(*)::int as n
      from app.section_ticks t
      join app.reading_sections s on s.id = t.section_id
      join app.plan_readings pr on pr.reading_id = s.reading_id
     where pr.plan_id in (select plans.id from plans) and t.read_at < (p_to + 1)
       and t.user_id in (select users.user_id from users)
     group by 1, 2),
  reading_min as (
    select t.user_id, coalesce(sum(s.est_minutes), 0)::int as minutes
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.read_at >= p_from and t.read_at < (p_to + 1) and t.user_id in (select users.user_id from users)
     group by 1),
  posts as (
    select p.author_id as user_id, p.topic_id
      from app.posts p
     where p.deleted_at is null and p.created_at >= p_from and p.created_at < (p_to + 1)
       and p.author_id in (select users.user_id from users)),
  post_counts as (select posts.user_id, count(*)::int as n from posts group by 1),
  per_user as (
    select u.user_id, coalesce(rm.minutes, 0) as reading_minutes, coalesce(pc.n, 0) as posts
      from users u left join reading_min rm on rm.user_id = u.user_id
      left join post_counts pc on pc.user_id = u.user_id),
  org_stats as (
    select ru.org_id, count(*)::int as members, count(*) filter (where pu.posts > 0)::int as posters,
           sum(pu.posts)::int as posts,
           sum(pu.reading_minutes)::int as reading_minutes
      from row_users ru join per_user pu on pu.user_id = ru.user_id
     group by 1),
  org_att as (select x.* from app.report_attendance(p_root, p_from, p_to) x),
  org_read as (
    select x.org_id, jsonb_agg(jsonb_build_object('plan_id', x.plan_id, 'members', x.members, 'done', x.done,
             'total', x.total, 'done_members', x.done_members) order by x.plan_id) as reading,
           sum(x.done)::int as done, sum(x.total)::int as total
      from (
        select ru.org_id, p.id as plan_id, count(*)::int as members,
               coalesce(sum(least(coalesce(t.n, 0), p.sections)), 0)::int as done,
               (count(*) * p.sections)::int as total,
               count(*) filter (where p.sections > 0 and coalesce(t.n, 0) >= p.sections)::int as done_members
          from row_users ru
          join plan_users pu on pu.user_id = ru.user_id
          join plans p on p.id = pu.plan_id
          left join ticks t on t.user_id = pu.user_id and t.plan_id = pu.plan_id
         group by ru.org_id, p.id, p.sections) x
     group by 1),
  org_pending as (
    select r.id as org_id, count(*)::int as pending
      from orgs r join app.pending_members pm on pm.attached_at is null
      join orgs po on po.id = pm.org_id and po.path @> array[r.id]
     group by 1),
  topic_rows as (
    select t.id, t.title, count(*)::int as posts, count(distinct p.user_id)::int as posters
      from posts p join app.topics t on t.id = p.topic_id
     group by t.id, t.title order by count(*) desc, t.title limit 30)
  select jsonb_build_object(
    'root_id', p_root, 'from', p_from, 'to', p_to,
    'plans', coalesce((select jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'due_on', p.due_on,
                 'sections', p.sections) order by p.due_on, p.title) from plans p), '[]'::jsonb),
    'topics', coalesce((select jsonb_agg(to_jsonb(tr) order by tr.posts desc, tr.title) from topic_rows tr), '[]'::jsonb),
    'orgs', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', r.id, 'name', r.name, 'kind', r.kind, 'parent_id', r.parent_id,
          'depth', cardinality(r.path) - cardinality(root.path),
          'members', coalesce(st.members, 0), 'pending', coalesce(op.pending, 0),
          'posters', coalesce(st.posters, 0), 'posts', coalesce(st.posts, 0),
          'session_minutes', coalesce(oa.session_minutes, 0), 'reading_minutes', coalesce(st.reading_minutes, 0),
          'attendance', coalesce(oa.attendance, '[]'::jsonb), 'expected', coalesce(oa.expected, 0),
          'attended', coalesce(oa.attended, 0),
          'reading', coalesce(orr.reading, '[]'::jsonb), 'read_done', coalesce(orr.done, 0),
          'read_total', coalesce(orr.total, 0))
          order by r.path)
        from orgs r cross join root
        left join org_stats st on st.org_id = r.id
        left join org_pending op on op.org_id = r.id
        left join org_att oa on oa.org_id = r.id
        left join org_read orr on orr.org_id = r.id), '[]'::jsonb)
  ) into v_result;
  return v_result;
end
$$;
-- 学时: sessions from the summary; an organisation's from those who belonged to it at the time.
create or replace function app.study_ledger(p_user uuid, p_org uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' set jit = off as $$
declare
  v_result jsonb;
begin
  if p_user is not null and p_user is distinct from auth.uid() then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  if p_user is null and not app.can_manage(p_org) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  users as (
    select p_user as user_id where p_user is not null
    union
    select distinct m.user_id from app.memberships m join app.organisations o on o.id = m.org_id
     where p_user is null and m.ended_at is null and o.path @> array[p_org]),
  -- who belonged to p_org's subtree, and when
  spans as (
    select m.user_id, m.during from app.memberships m join app.organisations o on o.id = m.org_id
     where p_user is null and o.path @> array[p_org]),
  items as (
    -- sessions attended where the member was expected on the day (the summary)
    select date_trunc('month', f.starts_at)::date as month, f.duration_minutes as session_minutes, 0 as reading_minutes,
           1 as sessions, 0 as sections
      from app.attendance_facts f
     where p_user is not null and f.user_id = p_user and f.checkin_status in ('present', 'late') and not f.cancelled
       and f.starts_at >= p_from and f.starts_at < (p_to + 1)
    union all
    select date_trunc('month', f.starts_at)::date, f.duration_minutes, 0, 1, 0
      from app.attendance_facts f
     where p_user is null and f.orgs @> array[p_org] and f.checkin_status in ('present', 'late') and not f.cancelled
       and f.starts_at >= p_from and f.starts_at < (p_to + 1)
    union all
    -- sections read; for an organisation, by those who belonged to it when they read
    select date_trunc('month', t.read_at)::date, 0, coalesce(s.est_minutes, 0), 0, 1
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where p_user is not null and t.user_id = p_user and t.read_at >= p_from and t.read_at < (p_to + 1)
    union all
    select date_trunc('month', t.read_at)::date, 0, coalesce(s.est_minutes, 0), 0, 1
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where p_user is null and t.read_at >= p_from and t.read_at < (p_to + 1)
       and exists (select 1 from spans sp where sp.user_id = t.user_id and sp.during @> t.read_at)),
  months as (
    select month, sum(session_minutes)::int as session_minutes, sum(reading_minutes)::int as reading_minutes,
           sum(sessions)::int as sessions, sum(sections)::int as sections
      from items group by month)
  select jsonb_build_object(
    'from', p_from, 'to', p_to,
    'members', (select count(*) from users)::int,
    'session_minutes', coalesce((select sum(session_minutes) from months), 0)::int,
    'reading_minutes', coalesce((select sum(reading_minutes) from months), 0)::int,
    'sessions', coalesce((select sum(sessions) from months), 0)::int,
    'sections', coalesce((select sum(sections) from months), 0)::int,
    'months', coalesce((select jsonb_agg(jsonb_build_object('month', to_char(month, 'YYYY-MM'),
                 'session_minutes', session_minutes, 'reading_minutes', reading_minutes) order by month)
                 from months), '[]'::jsonb))
  into v_result;
  return v_result;
end
$$;
-- backfill ----------------------------------------------------------------------------------

select app.attendance_rebuild();
-- the expected counters under the new rule
select app.tally_expected(array(select s.id from app.sessions s));

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.report_attendance(uuid, date, date) from public, anon;
grant execute on function app.report_attendance(uuid, date, date) to authenticated;
revoke execute on function app.attendance_refresh(uuid[], uuid[]), app.attendance_rebuild(),
  app.checkins_attendance_fact(), app.leave_requests_attendance_fact(), app.session_orgs_attendance_facts(),
  app.session_invitees_attendance_facts(), app.memberships_attendance_facts(), app.organisations_attendance_facts(),
  app.sessions_attendance_facts() from public, anon, authenticated;
grant execute on function app.attendance_rebuild() to service_role;
