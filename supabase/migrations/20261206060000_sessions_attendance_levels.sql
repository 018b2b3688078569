-- The attendance rates a level at a time (#15).
--
-- The rates screen listed every organisation of the subtree and pages of all its members, each
-- recomputed from app.attendance_facts: a province committee's 30 days are 150,000 facts, grouped
-- per member (spilling to disk), sorted by organisation and name for the first page, in 450 ms
-- where a county took 30. Like the report, the screen now asks for an organisation and one level
-- below it (p_depth):
--   - each organisation row is its subtree's total, read from app.attendance_org_sessions (one row
--     per organisation and session, kept by the writes) instead of grouping facts: the top view
--     reads a few thousand session rows, not 150,000 facts. The rows needed two more counts for
--     the rates' split, which the report never showed: late (of attended) and on_leave
--     (approved leave with no check-in or mark: the rates count it excused, the report does not);
--   - the members listed are those counted in the organisations above the last level (at one
--     level: the organisation's own members); a row of the last level opens as a view of its own.
-- p_depth null keeps the whole subtree with every member, each organisation counting the members
-- it brought directly, as before: the spreadsheet export asks for that.
-- supabase/tests/attendance.test.ts compares the level rows with the facts, on the seeds and
-- after random writes.

alter table app.attendance_org_sessions
  add column late int not null default 0,
  add column on_leave int not null default 0;

comment on column app.attendance_org_sessions.late is 'Of attended, those checked in late.';
comment on column app.attendance_org_sessions.on_leave is
  'Approved leave and no check-in or mark: excused in the attendance rates (the report counts only marked excused).';

create or replace function app.attendance_org_sessions_apply(p_delta jsonb) returns void
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
           sum(x.excused)::int as excused, sum(x.late)::int as late, sum(x.on_leave)::int as on_leave
      from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid, expected int, attended int, excused int,
                                            late int, on_leave int, fresh boolean)
     where not x.fresh group by 1, 2
  )
  update app.attendance_org_sessions t
     set expected = t.expected + d.expected, attended = t.attended + d.attended, excused = t.excused + d.excused,
         late = t.late + d.late, on_leave = t.on_leave + d.on_leave
    from d where t.org_id = d.org_id and t.session_id = d.session_id;
  insert into app.attendance_org_sessions as t (org_id, session_id, kind, starts_at, duration_minutes, expected, attended,
                                                excused, late, on_leave)
  select x.org_id, x.session_id, x.kind, x.starts_at, x.duration_minutes, x.expected, x.attended, x.excused, x.late, x.on_leave
    from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid, kind text, starts_at timestamptz,
                                          duration_minutes int, expected int, attended int, excused int, late int,
                                          on_leave int, fresh boolean)
   where x.fresh
   order by x.org_id, x.session_id
  on conflict (org_id, session_id) do update
    set expected = t.expected + excluded.expected, attended = t.attended + excluded.attended,
        excused = t.excused + excluded.excused, late = t.late + excluded.late, on_leave = t.on_leave + excluded.on_leave,
        kind = excluded.kind, starts_at = excluded.starts_at, duration_minutes = excluded.duration_minutes;
  delete from app.attendance_org_sessions t
   using (select distinct x.org_id, x.session_id from jsonb_to_recordset(p_delta) as x(org_id uuid, session_id uuid)) d
   where t.org_id = d.org_id and t.session_id = d.session_id
     and t.expected = 0 and t.attended = 0 and t.excused = 0 and t.late = 0 and t.on_leave = 0;
end
$$;

-- The counts one fact brings to each row it is in: the one place they are written, for the
-- triggers' deltas and the rebuild alike.
create function app.attendance_fact_counts(p_checkin_status text, p_leave_status text,
  out attended int, out excused int, out late int, out on_leave int)
language sql immutable set search_path = '' as $$
  select coalesce(p_checkin_status in ('present', 'late'), false)::int, coalesce(p_checkin_status = 'excused', false)::int,
         coalesce(p_checkin_status = 'late', false)::int, coalesce(p_checkin_status is null and p_leave_status = 'approved', false)::int
$$;
revoke execute on function app.attendance_fact_counts(text, text) from public;

create or replace function app.attendance_facts_rollup() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_new jsonb;
  v_old jsonb;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    select jsonb_agg(to_jsonb(x)) into v_new from (
      select r.org_id, n.session_id, min(n.kind) as kind, min(n.starts_at) as starts_at,
             min(n.duration_minutes) as duration_minutes, count(*) as expected, sum(k.attended) as attended,
             sum(k.excused) as excused, sum(k.late) as late, sum(k.on_leave) as on_leave, true as fresh
        from new_rows n cross join lateral unnest(n.orgs) as r(org_id)
        cross join lateral app.attendance_fact_counts(n.checkin_status, n.leave_status) k
       where not n.cancelled and n.org_id is not null
       group by r.org_id, n.session_id) x;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    select jsonb_agg(to_jsonb(x)) into v_old from (
      select r.org_id, o.session_id, -count(*) as expected, -sum(k.attended) as attended, -sum(k.excused) as excused,
             -sum(k.late) as late, -sum(k.on_leave) as on_leave, false as fresh
        from old_rows o cross join lateral unnest(o.orgs) as r(org_id)
        cross join lateral app.attendance_fact_counts(o.checkin_status, o.leave_status) k
       where not o.cancelled and o.org_id is not null
       group by r.org_id, o.session_id) x;
  end if;
  -- what was taken, then what is there now (with the session's current kind and time): in one
  -- call, so that the rows of both are locked together in one order
  perform app.attendance_org_sessions_apply(coalesce(v_old, '[]') || coalesce(v_new, '[]'));
  return null;
end
$$;

create or replace function app.attendance_org_sessions_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.attendance_org_sessions;
  insert into app.attendance_org_sessions (org_id, session_id, kind, starts_at, duration_minutes, expected, attended,
                                           excused, late, on_leave)
  select r.org_id, f.session_id, min(f.kind), min(f.starts_at), min(f.duration_minutes), count(*),
         sum(k.attended), sum(k.excused), sum(k.late), sum(k.on_leave)
    from app.attendance_facts f cross join lateral unnest(f.orgs) as r(org_id)
    cross join lateral app.attendance_fact_counts(f.checkin_status, f.leave_status) k
   where not f.cancelled and f.org_id is not null
   group by r.org_id, f.session_id;
end
$$;

-- the rows written before these counts existed
select app.attendance_org_sessions_rebuild();

drop function public.attendance_summary(uuid, date, date, jsonb, int);
drop function app.attendance_summary(uuid, date, date, jsonb, int);

-- Planned for the organisation of each call (plan_cache_mode, as before: a generic plan made for
-- a branch ran a province's summary in 8.4 s instead of 0.5); the p_depth conditions fold away
-- in a custom plan, so only the asked-for branch of each union runs.
create function app.attendance_summary(p_org uuid, p_from date, p_to date, p_after jsonb, p_limit int, p_depth int)
returns jsonb
language plpgsql stable security definer set search_path = '' set jit = off set plan_cache_mode = force_custom_plan as $$
declare
  v_after_path uuid[];
  v_after_name text;
  v_after_user uuid;
  v_top int;
begin
  perform app.require_user();
  if p_org is null or p_from is null or p_to is null or p_from > p_to or p_to - p_from > 366 then
    raise exception using message = 'attendance.period_invalid', errcode = 'P0001';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'attendance.page_size_invalid', errcode = 'P0001';
  end if;
  if p_depth < 0 or p_depth > 20 then
    raise exception using message = 'attendance.depth_invalid', errcode = 'P0001';
  end if;
  if p_after is not null then
    begin
      v_after_path := array(select jsonb_array_elements_text(p_after -> 'path'))::uuid[];
      v_after_name := p_after ->> 'name';
      v_after_user := (p_after ->> 'user_id')::uuid;
    exception when others then
      raise exception using message = 'attendance.cursor_invalid', errcode = 'P0001';
    end;
    if v_after_name is null or v_after_user is null or coalesce(cardinality(v_after_path), 0) = 0 then
      raise exception using message = 'attendance.cursor_invalid', errcode = 'P0001';
    end if;
  end if;
  if not app.can_manage(p_org) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  select cardinality(o.path) into v_top from app.organisations o where o.id = p_org;
  return (
    with sub as (
      select o.id, o.name, o.path, cardinality(o.path) - v_top as level
        from app.organisations o where o.path @> array[p_org]
    ),
    -- the organisations with a row, and those whose members are listed
    shown as (select * from sub where p_depth is null or sub.level <= p_depth),
    listed as (select * from sub where p_depth is null or sub.level < p_depth),
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
         and f.closes_at < now() and f.org_id in (select id from listed)
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
      -- the whole subtree: each organisation the members it brought directly
      select st.org_id, count(*) as expected,
             count(*) filter (where status = 'present') as present,
             count(*) filter (where status = 'late') as late,
             count(*) filter (where status = 'excused') as excused,
             count(*) filter (where status = 'absent') as absent
        from st where p_depth is null group by st.org_id
      union all
      -- a level at a time: each organisation its subtree's total, from the per-session rows
      select t.org_id, sum(t.expected), sum(t.attended - t.late), sum(t.late), sum(t.excused + t.on_leave),
             sum(t.expected - t.attended - t.excused - t.on_leave)
        from app.attendance_org_sessions t join app.sessions s on s.id = t.session_id
       where p_depth is not null and t.org_id in (select id from shown)
         and t.starts_at >= p_from::timestamptz and t.starts_at < (p_to + 1)::timestamptz
         and s.org_id in (select id from sub) and s.cancelled_at is null and s.checkin_closes_at < now()
       group by t.org_id
    ),
    -- this page of members and one more (is there a next page?), in the order the cursor follows
    page as (
      select sub.path, pr.display_name, pm.user_id,
             row_number() over (order by sub.path, pr.display_name, pm.user_id) as n,
             jsonb_build_object('user_id', pm.user_id, 'display_name', pr.display_name,
               'org_name', sub.name, 'expected', pm.expected, 'present', pm.present, 'late', pm.late,
               'excused', pm.excused, 'absent', pm.absent,
               'rate', round((pm.present + pm.late)::numeric / nullif(pm.expected, 0), 4)) as member
        from per_member pm join app.profiles pr on pr.user_id = pm.user_id
        join sub on sub.id = pm.org_id
       where v_after_user is null or (sub.path, pr.display_name, pm.user_id) > (v_after_path, v_after_name, v_after_user)
       order by sub.path, pr.display_name, pm.user_id
       limit p_limit + 1
    )
    select jsonb_build_object(
      'org_id', p_org, 'from', p_from, 'to', p_to, 'levels', p_depth,
      'formula', '(present + late) / expected',
      'sessions', (select count(*) from ss),
      'orgs', coalesce((
        select jsonb_agg(jsonb_build_object('org_id', po.org_id, 'name', sub.name, 'level', sub.level,
            'expected', po.expected, 'present', po.present, 'late', po.late, 'excused', po.excused,
            'absent', po.absent, 'rate', round((po.present + po.late)::numeric / nullif(po.expected, 0), 4))
            order by sub.path)
          from per_org po join sub on sub.id = po.org_id where po.expected > 0), '[]'::jsonb),
      'member_count', (select count(*) from per_member),
      'members', coalesce((select jsonb_agg(pg.member order by pg.n) from page pg where pg.n <= p_limit), '[]'::jsonb),
      'next', (select jsonb_build_object('path', pg.path, 'name', pg.display_name, 'user_id', pg.user_id)
                 from page pg where pg.n = p_limit and exists (select 1 from page x where x.n > p_limit)))
  );
end
$$;
revoke execute on function app.attendance_summary(uuid, date, date, jsonb, int, int) from public;
grant execute on function app.attendance_summary(uuid, date, date, jsonb, int, int) to authenticated, service_role;

-- p_depth: the levels below the organisation to list (the screen asks for 1; null: all, the export)
create function public.attendance_summary(p_org_id uuid, p_from date, p_to date, p_after jsonb default null,
  p_limit int default 100, p_depth int default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.attendance_summary(p_org_id, p_from, p_to, p_after, p_limit, p_depth)
$$;
revoke execute on function public.attendance_summary(uuid, date, date, jsonb, int, int) from public, anon;
grant execute on function public.attendance_summary(uuid, date, date, jsonb, int, int) to authenticated;
