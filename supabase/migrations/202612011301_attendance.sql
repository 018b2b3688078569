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

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- tables ------------------------------------------------------------------------------------
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

-- Attendance per organisation rolled up through the tree (#15).
--
-- app.attendance_facts holds one row per (session, expected member); rather than grouping every
-- fact in the period and spreading it over the organisations above the member, the report reads
-- app.attendance_org_sessions, that spreading done by the writes: one row per (organisation,
-- session) with the expected, attended and excused members it counts for that organisation's
-- report row, so the report reads (organisations × sessions in the period) rows whatever the
-- number of members. Kept by statement triggers on attendance_facts from their transition tables
-- (a check-in: the few rows of the member's organisations; a roster or session change: one set
-- statement). supabase/tests/attendance.test.ts compares it with the facts and the report with the
-- direct computation, on the seeds and after random writes.

create table app.attendance_org_sessions (
  org_id uuid not null,
  session_id uuid not null,
  kind text not null,
  starts_at timestamptz not null,
  duration_minutes int not null,
  expected int not null,
  attended int not null,
  excused int not null,
  primary key (org_id, session_id)
);

comment on table app.attendance_org_sessions is
  'Per (organisation, session): the not-cancelled facts whose orgs hold the organisation — expected, '
  'attended (present or late), excused — with the session''s kind, start and duration. A summary of '
  'app.attendance_facts kept by triggers.';

-- indexes -----------------------------------------------------------------------------------

-- ended memberships too: "who belonged then" looks a user's history up
create index memberships_user_during_idx on app.memberships (user_id);
create index attendance_facts_user_idx on app.attendance_facts (user_id, starts_at);
create index attendance_facts_starts_idx on app.attendance_facts (starts_at);
create index attendance_facts_org_id_idx on app.attendance_facts (org_id);

create index attendance_org_sessions_org_starts_idx on app.attendance_org_sessions (org_id, starts_at);

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

alter table app.attendance_org_sessions enable row level security;

create policy attendance_org_sessions_select on app.attendance_org_sessions for select to authenticated using (false);

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
revoke execute on function app.attendance_refresh(uuid[], uuid[]) from public;

-- the facts rebuilt from the rule, then this summary from them (a bulk load with triggers off
-- may have left either behind)
create function app.attendance_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.attendance_facts;
  perform app.attendance_refresh(array(select s.id from app.sessions s), null);
  perform app.attendance_org_sessions_rebuild();
end
$$;
revoke execute on function app.attendance_rebuild() from public;
grant execute on function app.attendance_rebuild() to service_role;

-- Adds signed per-(organisation, session) changes: rows with fresh = true carry the session's
-- current kind, start and duration (a fact written now); the others only take counts away.
create function app.attendance_org_sessions_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if p_delta is null then
    return;
  end if;
  -- The rows to change are locked first, all in key order: the update below locks in whatever
  -- order its join yields, so two check-ins of different schools took the county's and the
  -- bureau's rows of their session in opposite orders and deadlocked. Rows still missing are
  -- inserted (and so locked) in key order too, after these.
  perform 1 from app.attendance_org_sessions t
    join (select distinct x.org_id, x.session_id from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid)) d
      on t.org_id = d.org_id and t.session_id = d.session_id
   order by t.org_id, t.session_id
     for update of t;
  with d as (
    select x.org_id, x.session_id, sum(x.expected)::int as expected, sum(x.attended)::int as attended,
           sum(x.excused)::int as excused
      from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid, expected int, attended int, excused int, fresh boolean)
     where not x.fresh group by 1, 2
  )
  update app.attendance_org_sessions t
     set expected = t.expected + d.expected, attended = t.attended + d.attended, excused = t.excused + d.excused
    from d where t.org_id = d.org_id and t.session_id = d.session_id;
  insert into app.attendance_org_sessions as t (org_id, session_id, kind, starts_at, duration_minutes, expected, attended, excused)
  select x.org_id, x.session_id, x.kind, x.starts_at, x.duration_minutes, x.expected, x.attended, x.excused
    from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid, kind text, starts_at timestamptz,
                                          duration_minutes int, expected int, attended int, excused int, fresh boolean)
   where x.fresh
   order by x.org_id, x.session_id
  on conflict (org_id, session_id) do update
    set expected = t.expected + excluded.expected, attended = t.attended + excluded.attended,
        excused = t.excused + excluded.excused,
        kind = excluded.kind, starts_at = excluded.starts_at, duration_minutes = excluded.duration_minutes;
  delete from app.attendance_org_sessions t
   using (select distinct x.org_id, x.session_id from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid)) d
   where t.org_id = d.org_id and t.session_id = d.session_id and t.expected = 0 and t.attended = 0 and t.excused = 0;
end
$$;
revoke execute on function app.attendance_org_sessions_apply(jsonb) from public;

-- triggers ----------------------------------------------------------------------------------

-- a check-in or manual mark, a leave request or its decision: the member's one row (no row when
-- they were not expected). One function for both tables, so the two statuses are kept alike; a
-- row moved to another (session, member) clears the old one.
create function app.attendance_fact_status() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_leave boolean := tg_table_name = 'leave_requests';
begin
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and (old.session_id, old.user_id) is distinct from (new.session_id, new.user_id)) then
    update app.attendance_facts f
       set checkin_status = case when v_leave then f.checkin_status else null end,
           leave_status = case when v_leave then null else f.leave_status end
     where f.session_id = old.session_id and f.user_id = old.user_id;
  end if;
  if tg_op <> 'DELETE' then
    update app.attendance_facts f
       set checkin_status = case when v_leave then f.checkin_status else new.status end,
           leave_status = case when v_leave then new.status else f.leave_status end
     where f.session_id = new.session_id and f.user_id = new.user_id
       and case when v_leave then f.leave_status else f.checkin_status end is distinct from new.status;
  end if;
  return null;
end
$$;
revoke execute on function app.attendance_fact_status() from public;

create trigger checkins_attendance_fact after insert or update or delete on app.checkins
  for each row execute function app.attendance_fact_status();

create trigger leave_requests_attendance_fact after insert or update or delete on app.leave_requests
  for each row execute function app.attendance_fact_status();

-- the expected organisations of some sessions changed: those sessions, everyone
create function app.session_orgs_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.attendance_refresh(array(select distinct x.session_id from changed x), null);
  return null;
end
$$;
revoke execute on function app.session_orgs_attendance_facts() from public;

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
revoke execute on function app.session_invitees_attendance_facts() from public;

create trigger session_invitees_attendance_facts_ins after insert on app.session_invitees
  referencing new table as changed for each statement execute function app.session_invitees_attendance_facts();

create trigger session_invitees_attendance_facts_del after delete on app.session_invitees
  referencing old table as changed for each statement execute function app.session_invitees_attendance_facts();

-- a roster change (join, move, removal, a changed date): the members concerned at every session
-- expected of their organisation or one above it
create function app.memberships_attendance_facts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.attendance_refresh(app.sessions_expecting(array(select distinct x.org_id from changed x)),
                                 array(select distinct x.user_id from changed x));
  return null;
end
$$;
revoke execute on function app.memberships_attendance_facts() from public;

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
  perform app.attendance_refresh(app.sessions_of_orgs(array(
    select a.id from old_rows o join new_rows n on n.id = o.id cross join unnest(o.path || n.path) a(id)
     where n.path is distinct from o.path)), null);
  return null;
end
$$;
revoke execute on function app.organisations_attendance_facts() from public;

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
revoke execute on function app.sessions_attendance_facts() from public;

create trigger sessions_attendance_facts after update on app.sessions
  for each row execute function app.sessions_attendance_facts();

-- the facts a statement wrote or removed, spread over their organisations (the report's rows:
-- orgs as the report always unnested it), only those the report counts
create function app.attendance_facts_rollup() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_new jsonb;
  v_old jsonb;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    select jsonb_agg(to_jsonb(x)) into v_new from (
      select r.org_id, n.session_id, min(n.kind) as kind, min(n.starts_at) as starts_at,
             min(n.duration_minutes) as duration_minutes, count(*) as expected,
             count(*) filter (where n.checkin_status in ('present', 'late')) as attended,
             count(*) filter (where n.checkin_status = 'excused') as excused, true as fresh
        from new_rows n cross join lateral unnest(n.orgs) as r(org_id)
       where not n.cancelled and n.org_id is not null
       group by r.org_id, n.session_id) x;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    select jsonb_agg(to_jsonb(x)) into v_old from (
      select r.org_id, o.session_id, -count(*) as expected,
             -count(*) filter (where o.checkin_status in ('present', 'late')) as attended,
             -count(*) filter (where o.checkin_status = 'excused') as excused, false as fresh
        from old_rows o cross join lateral unnest(o.orgs) as r(org_id)
       where not o.cancelled and o.org_id is not null
       group by r.org_id, o.session_id) x;
  end if;
  -- what was taken, then what is there now (with the session's current kind and time): in one
  -- call, so that the rows of both are locked together in one order
  perform app.attendance_org_sessions_apply(coalesce(v_old, '[]') || coalesce(v_new, '[]'));
  return null;
end
$$;
revoke execute on function app.attendance_facts_rollup() from public;

create trigger attendance_facts_rollup_ins after insert on app.attendance_facts
  referencing new table as new_rows for each statement execute function app.attendance_facts_rollup();

create trigger attendance_facts_rollup_del after delete on app.attendance_facts
  referencing old table as old_rows for each statement execute function app.attendance_facts_rollup();

create trigger attendance_facts_rollup_upd after update on app.attendance_facts
  referencing old table as old_rows new table as new_rows for each statement execute function app.attendance_facts_rollup();

-- The whole summary from the facts (the backfill; benchmarks after bulk loading).
create function app.attendance_org_sessions_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.attendance_org_sessions;
  insert into app.attendance_org_sessions (org_id, session_id, kind, starts_at, duration_minutes, expected, attended, excused)
  select r.org_id, f.session_id, min(f.kind), min(f.starts_at), min(f.duration_minutes), count(*),
         count(*) filter (where f.checkin_status in ('present', 'late')),
         count(*) filter (where f.checkin_status = 'excused')
    from app.attendance_facts f cross join lateral unnest(f.orgs) as r(org_id)
   where not f.cancelled and f.org_id is not null
   group by r.org_id, f.session_id;
end
$$;
revoke execute on function app.attendance_org_sessions_rebuild() from public;
grant execute on function app.attendance_org_sessions_rebuild() to service_role;

-- functions: the reader ---------------------------------------------------------------------

-- The report's attendance per organisation of p_root's subtree: the subtree's rows of the
-- summary in the period (its session 学时: app.org_hours, from the same rows).
create function app.report_attendance(p_root uuid, p_from date, p_to date)
returns table (org_id uuid, attendance jsonb, expected int, attended int)
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' set jit = off as $$
begin
  return query
  with k as (
    select t.org_id, t.kind,
           coalesce(sum(t.expected) filter (where t.starts_at <= now()), 0)::int as expected,
           coalesce(sum(t.attended) filter (where t.starts_at <= now()), 0)::int as attended,
           coalesce(sum(t.excused) filter (where t.starts_at <= now()), 0)::int as excused
      from app.organisations o
      join app.attendance_org_sessions t on t.org_id = o.id
     where o.path @> array[p_root] and o.retired_at is null
       and t.starts_at >= p_from and t.starts_at < (p_to + 1)
     group by 1, 2
  )
  select k.org_id,
         coalesce(jsonb_agg(jsonb_build_object('kind', k.kind, 'expected', k.expected, 'attended', k.attended,
           'excused', k.excused) order by k.kind) filter (where k.expected > 0), '[]'::jsonb),
         sum(k.expected)::int, sum(k.attended)::int
    from k group by k.org_id;
end
$$;
revoke execute on function app.report_attendance(uuid, date, date) from public;
grant execute on function app.report_attendance(uuid, date, date) to authenticated;

-- grants ------------------------------------------------------------------------------------
grant all on app.attendance_facts to service_role;
grant all on app.attendance_org_sessions to service_role;

reset check_function_bodies;
