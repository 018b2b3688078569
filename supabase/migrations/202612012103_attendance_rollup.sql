-- Attendance per organisation rolled up through the tree (#15).
--
-- app.attendance_facts (202612011301) holds one row per (session, expected member); the report
-- still grouped every fact in the period and spread it over the organisations above the member.
-- app.attendance_org_sessions is that spreading done by the writes: one row per (organisation,
-- session) with the expected, attended and excused members it counts for that organisation's
-- report row, so the report reads (organisations × sessions in the period) rows whatever the
-- number of members. Kept by statement triggers on attendance_facts from their transition tables
-- (a check-in: the few rows of the member's organisations; a roster or session change: one set
-- statement). supabase/tests/attendance.test.ts compares it with the facts and the report with the
-- direct computation, on the seeds and after random writes.

-- tables ------------------------------------------------------------------------------------

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

create index attendance_org_sessions_org_starts_idx on app.attendance_org_sessions (org_id, starts_at);

alter table app.attendance_org_sessions enable row level security;
create policy attendance_org_sessions_select on app.attendance_org_sessions for select to authenticated using (false);
grant all on app.attendance_org_sessions to service_role;

-- functions: the summary --------------------------------------------------------------------

-- Adds signed per-(organisation, session) changes: rows with fresh = true carry the session's
-- current kind, start and duration (a fact written now); the others only take counts away.
create function app.attendance_org_sessions_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if p_delta is null then
    return;
  end if;
  with d as (
    select x.org_id, x.session_id, sum(x.expected)::int as expected, sum(x.attended)::int as attended,
           sum(x.excused)::int as excused
      from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid, expected int, attended int, excused int, fresh boolean)
     where not x.fresh group by 1, 2
  )
  update app.attendance_org_sessions t
     set expected = t.expected + d.expected, attended = t.attended + d.attended, excused = t.excused + d.excused
    from d where t.org_id = d.org_id and t.session_id = d.session_id;
  -- in key order, so that concurrent check-ins lock the shared rows (the bureau's) in one order
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

-- triggers ----------------------------------------------------------------------------------

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
  -- what was taken first, then what is there now (with the session's current kind and time)
  perform app.attendance_org_sessions_apply(v_old);
  perform app.attendance_org_sessions_apply(v_new);
  return null;
end
$$;
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

-- the facts rebuilt from the rule, then this summary from them (a bulk load with triggers off
-- may have left either behind)
create or replace function app.attendance_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.attendance_facts;
  perform app.attendance_refresh(array(select s.id from app.sessions s), null);
  perform app.attendance_org_sessions_rebuild();
end
$$;

-- functions: the reader ---------------------------------------------------------------------

-- The report's attendance and session 学时 per organisation of p_root's subtree (same answer as
-- 202612011301's): the subtree's rows of the summary in the period.
create or replace function app.report_attendance(p_root uuid, p_from date, p_to date)
returns table (org_id uuid, attendance jsonb, expected int, attended int, session_minutes int)
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' set jit = off as $$
begin
  return query
  with k as (
    select t.org_id, t.kind,
           coalesce(sum(t.expected) filter (where t.starts_at <= now()), 0)::int as expected,
           coalesce(sum(t.attended) filter (where t.starts_at <= now()), 0)::int as attended,
           coalesce(sum(t.excused) filter (where t.starts_at <= now()), 0)::int as excused,
           coalesce(sum(t.attended * t.duration_minutes), 0)::int as minutes
      from app.organisations o
      join app.attendance_org_sessions t on t.org_id = o.id
     where o.path @> array[p_root] and o.retired_at is null
       and t.starts_at >= p_from and t.starts_at < (p_to + 1)
     group by 1, 2
  )
  select k.org_id,
         coalesce(jsonb_agg(jsonb_build_object('kind', k.kind, 'expected', k.expected, 'attended', k.attended,
           'excused', k.excused) order by k.kind) filter (where k.expected > 0), '[]'::jsonb),
         sum(k.expected)::int, sum(k.attended)::int, sum(k.minutes)::int
    from k group by k.org_id;
end
$$;

-- backfill ----------------------------------------------------------------------------------

select app.attendance_org_sessions_rebuild();

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.attendance_org_sessions_apply(jsonb), app.attendance_org_sessions_rebuild(),
  app.attendance_facts_rollup() from public, anon, authenticated;
grant execute on function app.attendance_org_sessions_rebuild() to service_role;
