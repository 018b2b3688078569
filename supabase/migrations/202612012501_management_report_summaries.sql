-- The report's reading and discussion parts from summaries (#15).
--
-- app.report_data counted, per call, every tick and post of the members below the root (2.5 M
-- ticks at county size). Now each member's share of the report is kept as a few facts, and the
-- facts are kept summed per organisation above the member, so the report reads the rows of its
-- organisations in the period, whatever the number of members:
--
--   app.report_user_facts   per member: what they bring to a report row (the rule, in
--                           app.report_facts_of: one place)
--   app.report_user_reach   the organisations a member's facts are summed into (org_reach's
--                           on_path rows: their organisations and everything above them)
--   app.report_org_facts    per organisation: the facts of the members at or below it, summed,
--                           with the number of members behind each
--
-- Facts (kind, key, day, prev_day, n); days are Asia/Shanghai days, '-infinity' means "none":
--   member   —      —           one per member (users = the row's members)
--   minutes  —      read day    est. minutes of the sections read that day
--   posts    —      post day    posts that day; prev_day = the member's previous post day, so the
--                               members who posted in [a, b] are the rows of days in [a, b] whose
--                               prev_day is before a (a distinct count from summed rows)
--   topic    topic  post day    the same per topic
--   done     plan   -infinity   sections of the plan read in all (every member the plan reaches)
--   done     plan   read day    sections of the plan read that day (done up to p_to = total minus
--                               the days after p_to)
--   complete plan   -infinity   one if every section of the plan is read
--   complete plan   day         the same, on the day the last one was read
--
-- Kept by statement triggers on the ticks, posts, sections, plans' readings and organisations,
-- and on app.org_reach (memberships begun, moved or ended, organisations moved): every path goes
-- through app.report_refresh(members), which takes the members' old facts out of the sums and puts
-- the new ones in. supabase/tests/report-summaries.test.ts compares the report with the direct
-- computation on the seeds and after random writes. A bulk load with triggers off is followed by
-- select app.report_rebuild().

-- tables ------------------------------------------------------------------------------------

create table app.report_user_facts (
  user_id uuid not null,
  kind text not null,
  key uuid not null,
  day date not null,
  prev_day date not null,
  n int not null,
  primary key (user_id, kind, key, day, prev_day)
);
comment on table app.report_user_facts is
  'Per member: their part of the report (see 202612012501 for the kinds), computed by '
  'app.report_facts_of. A summary kept by triggers.';

create table app.report_user_reach (
  user_id uuid primary key,
  orgs uuid[] not null
);
comment on table app.report_user_reach is
  'The organisations a member''s report facts were summed into (their organisations and everything above them).';

create table app.report_org_facts (
  org_id uuid not null,
  kind text not null,
  key uuid not null,
  day date not null,
  prev_day date not null,
  n bigint not null,
  users int not null,
  primary key (org_id, kind, key, day, prev_day)
);
comment on table app.report_org_facts is
  'Per organisation: the report facts of the members at or below it, summed (n), and how many members '
  'brought each (users). Rows may stay at zero. A summary kept by triggers.';

alter table app.report_user_facts enable row level security;
alter table app.report_user_reach enable row level security;
alter table app.report_org_facts enable row level security;
-- read only inside app.report_data, which checks that the caller manages the root
create policy report_user_facts_select on app.report_user_facts for select to authenticated using (false);
create policy report_user_reach_select on app.report_user_reach for select to authenticated using (false);
create policy report_org_facts_select on app.report_org_facts for select to authenticated using (false);
grant all on app.report_user_facts, app.report_user_reach, app.report_org_facts to service_role;

-- functions: the rule -----------------------------------------------------------------------

-- The facts of some members, from the ticks, posts and plans (the one place the report's
-- reading and discussion rules live). PL/pgSQL with one generic plan kept across calls: a tick
-- calls it for one member, and planning its statement each time cost ten times running it
-- (7–14 ms against 0.5–0.8 ms, in-engine on the management bench's data).
create function app.report_facts_of(p_users uuid[])
returns table (user_id uuid, kind text, key uuid, day date, prev_day date, n int)
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai'
set plan_cache_mode = force_generic_plan as $$
#variable_conflict use_column
begin
  return query
  with
  nil as (select '00000000-0000-0000-0000-000000000000'::uuid as id, '-infinity'::date as none),
  reached as (
    select distinct r.user_id from app.org_reach r where r.user_id = any (p_users) and r.on_path),
  read as (
    select t.user_id, s.reading_id, t.section_id, t.read_at, t.read_at::date as day, s.est_minutes
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.user_id = any (p_users)),
  post_days as (
    select p.author_id as user_id, p.topic_id, p.created_at::date as day, count(*)::int as n
      from app.posts p
     where p.author_id = any (p_users) and p.deleted_at is null
     group by 1, 2, 3),
  day_posts as (select d.user_id, d.day, sum(d.n)::int as n from post_days d group by 1, 2),
  plan_users as (
    select distinct po.plan_id, r.user_id
      from app.plan_orgs po join app.org_reach r on r.org_id = po.org_id and r.on_path
     where r.user_id = any (p_users)),
  plan_sections as (
    select pr.plan_id, count(*)::int as sections
      from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
     where pr.plan_id in (select pu.plan_id from plan_users pu)
     group by 1),
  plan_days as (
    select pu.plan_id, pu.user_id, rd.day, count(*)::int as n, max(rd.read_at) as last_at
      from plan_users pu
      join app.plan_readings pr on pr.plan_id = pu.plan_id
      join read rd on rd.user_id = pu.user_id and rd.reading_id = pr.reading_id
     group by 1, 2, 3),
  plan_done as (
    select pu.plan_id, pu.user_id, coalesce(sum(d.n), 0)::int as n, max(d.last_at)::date as last_day,
           coalesce(max(ps.sections), 0) as sections
      from plan_users pu
      left join plan_days d on d.plan_id = pu.plan_id and d.user_id = pu.user_id
      left join plan_sections ps on ps.plan_id = pu.plan_id
     group by 1, 2)
  select r.user_id, 'member', nil.id, nil.none, nil.none, 0 from reached r, nil
  union all
  select rd.user_id, 'minutes', nil.id, rd.day, nil.none, coalesce(sum(rd.est_minutes), 0)::int
    from read rd, nil group by rd.user_id, rd.day, nil.id, nil.none
  union all
  select d.user_id, 'posts', nil.id, d.day, coalesce(lag(d.day) over (partition by d.user_id order by d.day), nil.none), d.n
    from day_posts d, nil
  union all
  select d.user_id, 'topic', d.topic_id, d.day,
         coalesce(lag(d.day) over (partition by d.user_id, d.topic_id order by d.day), nil.none), d.n
    from post_days d, nil
  union all
  select pd.user_id, 'done', pd.plan_id, nil.none, nil.none, pd.n from plan_done pd, nil
  union all
  select d.user_id, 'done', d.plan_id, d.day, nil.none, d.n from plan_days d, nil
  union all
  select pd.user_id, 'complete', pd.plan_id, x.day, nil.none, 1
    from plan_done pd cross join nil cross join lateral (values (nil.none), (pd.last_day)) x(day)
   where pd.sections > 0 and pd.n >= pd.sections;
end
$$;

-- functions: keeping the summary ------------------------------------------------------------

-- Adds signed per-organisation facts (jsonb rows of report_org_facts' columns).
create function app.report_org_facts_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if p_delta is null then
    return;
  end if;
  -- in key order, so that concurrent writers lock the shared rows (the bureau's) in one order
  insert into app.report_org_facts as t (org_id, kind, key, day, prev_day, n, users)
  select x.org_id, x.kind, x.key, x.day, x.prev_day, x.n, x.users
    from jsonb_to_recordset(p_delta) as x(org_id uuid, kind text, key uuid, day date, prev_day date, n bigint, users int)
   order by x.org_id, x.kind, x.key, x.day, x.prev_day
  on conflict (org_id, kind, key, day, prev_day) do update
    set n = t.n + excluded.n, users = t.users + excluded.users;
end
$$;

-- The members' facts recomputed and the organisations' sums changed by the difference: for a
-- member who reaches the same organisations as before (a tick, a post), only the facts that
-- changed, in those organisations; otherwise the old facts out of the old organisations and the
-- new ones into the new.
create function app.report_refresh(p_users uuid[]) returns void
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan as $$
declare
  v_new jsonb;
  v_delta jsonb;
begin
  if p_users is null or cardinality(p_users) = 0 then
    return;
  end if;
  with
  newf as materialized (select * from app.report_facts_of(p_users)),
  oldf as (select f.user_id, f.kind, f.key, f.day, f.prev_day, f.n from app.report_user_facts f where f.user_id = any (p_users)),
  newr as (
    select r.user_id, array_agg(r.org_id order by r.org_id) as orgs
      from app.org_reach r where r.user_id = any (p_users) and r.on_path group by r.user_id),
  oldr as (select ur.user_id, ur.orgs from app.report_user_reach ur where ur.user_id = any (p_users)),
  same as (select n.user_id, n.orgs from newr n join oldr o on o.user_id = n.user_id and o.orgs = n.orgs),
  diff as (
    select coalesce(n.user_id, o.user_id) as user_id, coalesce(n.kind, o.kind) as kind, coalesce(n.key, o.key) as key,
           coalesce(n.day, o.day) as day, coalesce(n.prev_day, o.prev_day) as prev_day,
           coalesce(n.n, 0) - coalesce(o.n, 0) as n, (n.user_id is not null)::int - (o.user_id is not null)::int as users
      from (select * from newf where newf.user_id in (select same.user_id from same)) n
      full join (select * from oldf where oldf.user_id in (select same.user_id from same)) o
        on o.user_id = n.user_id and o.kind = n.kind and o.key = n.key and o.day = n.day and o.prev_day = n.prev_day),
  contrib as (
    select a.org_id, d.kind, d.key, d.day, d.prev_day, d.n::bigint as n, d.users
      from diff d join same s on s.user_id = d.user_id cross join lateral unnest(s.orgs) as a(org_id)
     where d.n <> 0 or d.users <> 0
    union all
    select a.org_id, o.kind, o.key, o.day, o.prev_day, -o.n::bigint, -1
      from oldf o join oldr r on r.user_id = o.user_id cross join lateral unnest(r.orgs) as a(org_id)
     where o.user_id not in (select same.user_id from same)
    union all
    select a.org_id, n.kind, n.key, n.day, n.prev_day, n.n::bigint, 1
      from newf n join newr r on r.user_id = n.user_id cross join lateral unnest(r.orgs) as a(org_id)
     where n.user_id not in (select same.user_id from same))
  select (select jsonb_agg(to_jsonb(newf)) from newf),
         (select jsonb_agg(to_jsonb(x)) from (
            select c.org_id, c.kind, c.key, c.day, c.prev_day, sum(c.n) as n, sum(c.users) as users
              from contrib c group by 1, 2, 3, 4, 5
            having sum(c.n) <> 0 or sum(c.users) <> 0) x)
    into v_new, v_delta;

  delete from app.report_user_facts f where f.user_id = any (p_users);
  delete from app.report_user_reach ur where ur.user_id = any (p_users);
  insert into app.report_user_reach (user_id, orgs)
  select r.user_id, array_agg(r.org_id order by r.org_id)
    from app.org_reach r where r.user_id = any (p_users) and r.on_path
   group by r.user_id;
  insert into app.report_user_facts (user_id, kind, key, day, prev_day, n)
  select x.user_id, x.kind, x.key, x.day, x.prev_day, x.n
    from jsonb_to_recordset(v_new) as x(user_id uuid, kind text, key uuid, day date, prev_day date, n int);

  perform app.report_org_facts_apply(v_delta);
  -- what no member brings any more
  delete from app.report_org_facts t
   using (select x.org_id, x.kind, x.key, x.day, x.prev_day
            from jsonb_to_recordset(v_delta) as x(org_id uuid, kind text, key uuid, day date, prev_day date)) d
   where t.org_id = d.org_id and t.kind = d.kind and t.key = d.key and t.day = d.day and t.prev_day = d.prev_day
     and t.users = 0 and t.n = 0;
end
$$;

-- The whole summary from the rule (the backfill; benchmarks after bulk loading with triggers off).
create function app.report_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.report_org_facts;
  delete from app.report_user_facts;
  delete from app.report_user_reach;
  perform app.report_refresh(array(select p.user_id from app.profiles p));
end
$$;

-- triggers ----------------------------------------------------------------------------------

-- ticks added, removed or changed: the readers
create function app.section_ticks_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.user_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.report_refresh(array(select distinct o.user_id from old_rows o));
  else
    perform app.report_refresh(array(select o.user_id from old_rows o union select n.user_id from new_rows n));
  end if;
  return null;
end
$$;
create trigger section_ticks_report_ins after insert on app.section_ticks
  referencing new table as new_rows for each statement execute function app.section_ticks_report();
create trigger section_ticks_report_del after delete on app.section_ticks
  referencing old table as old_rows for each statement execute function app.section_ticks_report();
create trigger section_ticks_report_upd after update on app.section_ticks
  referencing old table as old_rows new table as new_rows for each statement execute function app.section_ticks_report();

-- posts written, deleted or moved: their authors (an edit of the text changes nothing counted)
create function app.posts_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.author_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.report_refresh(array(select distinct o.author_id from old_rows o));
  else
    perform app.report_refresh(array(
      select x.author_id from old_rows o join new_rows n on n.id = o.id
       cross join lateral (values (o.author_id), (n.author_id)) x(author_id)
       where (o.author_id, o.topic_id, o.created_at, o.deleted_at is null)
             is distinct from (n.author_id, n.topic_id, n.created_at, n.deleted_at is null)
       group by x.author_id));
  end if;
  return null;
end
$$;
create trigger posts_report_ins after insert on app.posts
  referencing new table as new_rows for each statement execute function app.posts_report();
create trigger posts_report_del after delete on app.posts
  referencing old table as old_rows for each statement execute function app.posts_report();
create trigger posts_report_upd after update on app.posts
  referencing old table as old_rows new table as new_rows for each statement execute function app.posts_report();

-- what each member reaches changed (memberships, organisations moved): those members
create function app.org_reach_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.user_id from new_rows n));
  else
    perform app.report_refresh(array(select distinct o.user_id from old_rows o));
  end if;
  return null;
end
$$;
create trigger org_reach_report_ins after insert on app.org_reach
  referencing new table as new_rows for each statement execute function app.org_reach_report();
create trigger org_reach_report_del after delete on app.org_reach
  referencing old table as old_rows for each statement execute function app.org_reach_report();

-- The members whose plan facts depend on these plans: everyone the plans reach.
create function app.report_plan_users(p_plans uuid[], p_orgs uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct r.user_id), '{}')
    from app.org_reach r
   where r.on_path
     and (r.org_id = any (p_orgs)
          or r.org_id in (select po.org_id from app.plan_orgs po where po.plan_id = any (p_plans)))
$$;

-- a plan's readings or organisations changed: everyone it reaches (or reached)
create function app.plan_parts_report() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_rows jsonb := to_jsonb(array(select to_jsonb(c) from changed c));
begin
  perform app.report_refresh(app.report_plan_users(
    array(select (x ->> 'plan_id')::uuid from jsonb_array_elements(v_rows) x),
    array(select (x ->> 'org_id')::uuid from jsonb_array_elements(v_rows) x where x ? 'org_id')));
  return null;
end
$$;
create trigger plan_readings_report_ins after insert on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_readings_report_del after delete on app.plan_readings
  referencing old table as changed for each statement execute function app.plan_parts_report();
create trigger plan_readings_report_upd after update on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_orgs_report_ins after insert on app.plan_orgs
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_orgs_report_del after delete on app.plan_orgs
  referencing old table as changed for each statement execute function app.plan_parts_report();

-- The members whose facts depend on these sections: their readers, and everyone the plans holding
-- their readings reach (a plan's section count decides who finished it).
create function app.report_section_users(p_sections uuid[], p_readings uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select array(
    select t.user_id from app.section_ticks t where t.section_id = any (p_sections)
    union
    select unnest(app.report_plan_users(app.plans_of_readings(p_readings), '{}')))
$$;

-- sections added or removed: those members
create function app.reading_sections_report() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_rows jsonb := to_jsonb(array(select to_jsonb(c) from changed c));
begin
  perform app.report_refresh(app.report_section_users(
    array(select (x ->> 'id')::uuid from jsonb_array_elements(v_rows) x),
    array(select distinct (x ->> 'reading_id')::uuid from jsonb_array_elements(v_rows) x)));
  return null;
end
$$;
create trigger reading_sections_report_ins after insert on app.reading_sections
  referencing new table as changed for each statement execute function app.reading_sections_report();
create trigger reading_sections_report_del after delete on app.reading_sections
  referencing old table as changed for each statement execute function app.reading_sections_report();

-- sections changed in what the report counts (minutes, reading; a text edit changes nothing)
create function app.reading_sections_report_update() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.report_refresh(app.report_section_users(
    array(select o.id from old_sections o join new_sections n on n.id = o.id
           where (o.reading_id, o.est_minutes) is distinct from (n.reading_id, n.est_minutes)),
    array(select x.reading_id from old_sections o join new_sections n on n.id = o.id
           cross join lateral (values (o.reading_id), (n.reading_id)) x(reading_id)
           where o.reading_id <> n.reading_id)));
  return null;
end
$$;
create trigger reading_sections_report_upd after update on app.reading_sections
  referencing old table as old_sections new table as new_sections for each statement
  execute function app.reading_sections_report_update();

-- functions: the reader ---------------------------------------------------------------------

-- The report of p_root's subtree: organisations, plans, topics; attendance from
-- app.attendance_org_sessions, reading and discussion from app.report_org_facts (same answer as
-- the direct count from the ticks and posts it replaced).
create or replace function app.report_data(p_root uuid, p_from date, p_to date)
returns jsonb
language plpgsql stable security definer set search_path = '' set jit = off
set timezone = 'Asia/Shanghai' as $$
declare
  v_result jsonb;
begin
  if not app.can_manage(p_root) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  root as (select o.id, o.path from app.organisations o where o.id = p_root),
  orgs as (select o.* from app.organisations o, root where o.path @> array[root.id] and o.retired_at is null),
  plans as (
    select p.id, p.title, p.due_on, p.org_id,
           (select count(*) from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
             where pr.plan_id = p.id)::int as sections
      from app.study_plans p, root
     where exists (select 1 from app.plan_orgs po
                    where po.plan_id = p.id and (po.org_id = any (root.path) or po.org_id in (select orgs.id from orgs)))
       and p.due_on >= p_from and p.created_at < (p_to + 1)),
  -- the subtree's facts the period needs: members, and reading and posts on its days
  org_stats as (
    select f.org_id,
           coalesce(sum(f.users) filter (where f.kind = 'member'), 0)::int as members,
           coalesce(sum(f.users) filter (where f.kind = 'posts' and f.prev_day < p_from), 0)::int as posters,
           coalesce(sum(f.n) filter (where f.kind = 'posts'), 0)::int as posts,
           coalesce(sum(f.n) filter (where f.kind = 'minutes'), 0)::int as reading_minutes
      from (select x.* from app.report_org_facts x
             where x.org_id in (select orgs.id from orgs) and x.kind = 'member' and x.key = '00000000-0000-0000-0000-000000000000'::uuid and x.day = '-infinity'::date
            union all
            select x.* from app.report_org_facts x
             where x.org_id in (select orgs.id from orgs) and x.kind in ('posts', 'minutes') and x.key = '00000000-0000-0000-0000-000000000000'::uuid
               and x.day between p_from and p_to) f
     group by 1),
  org_att as (select x.* from app.report_attendance(p_root, p_from, p_to) x),
  -- per (organisation, plan): the totals, less what was read after p_to
  plan_rows as (
    select f.org_id, f.key as plan_id,
           sum(f.users) filter (where f.kind = 'done' and f.day = '-infinity'::date) as members,
           sum(f.n) filter (where f.kind = 'done' and f.day = '-infinity'::date)
             - coalesce(sum(f.n) filter (where f.kind = 'done' and f.day > p_to), 0) as done,
           coalesce(sum(f.users) filter (where f.kind = 'complete' and f.day = '-infinity'::date), 0)
             - coalesce(sum(f.users) filter (where f.kind = 'complete' and f.day > p_to), 0) as done_members
      from app.report_org_facts f
     where f.org_id in (select orgs.id from orgs) and f.kind in ('done', 'complete')
       and f.key in (select plans.id from plans) and (f.day = '-infinity'::date or f.day > p_to)
     group by 1, 2),
  org_read as (
    select x.org_id, jsonb_agg(jsonb_build_object('plan_id', x.plan_id, 'members', x.members, 'done', x.done,
             'total', x.total, 'done_members', x.done_members) order by x.plan_id) as reading,
           sum(x.done)::int as done, sum(x.total)::int as total
      from (
        select pr.org_id, p.id as plan_id, pr.members::int as members, pr.done::int as done,
               (pr.members * p.sections)::int as total, pr.done_members::int as done_members
          from plan_rows pr join plans p on p.id = pr.plan_id
         where pr.members > 0) x
     group by 1),
  org_pending as (
    select r.id as org_id, count(*)::int as pending
      from orgs r join app.pending_members pm on pm.attached_at is null
      join orgs po on po.id = pm.org_id and po.path @> array[r.id]
     group by 1),
  topic_rows as (
    select t.id, t.title, sum(x.n)::int as posts, (sum(x.users) filter (where x.prev_day < p_from))::int as posters
      from app.report_org_facts x join app.topics t on t.id = x.key
     where x.org_id = p_root and x.kind = 'topic' and x.day between p_from and p_to
     group by t.id, t.title
    having sum(x.n) > 0
     order by sum(x.n) desc, t.title limit 30)
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

-- backfill ----------------------------------------------------------------------------------

select app.report_rebuild();

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.report_facts_of(uuid[]), app.report_org_facts_apply(jsonb), app.report_refresh(uuid[]),
  app.report_rebuild(), app.report_plan_users(uuid[], uuid[]), app.section_ticks_report(), app.posts_report(),
  app.org_reach_report(), app.plan_parts_report(), app.reading_sections_report(),
  app.reading_sections_report_update(), app.report_section_users(uuid[], uuid[]) from public, anon, authenticated;
grant execute on function app.report_rebuild(), app.report_refresh(uuid[]) to service_role;
