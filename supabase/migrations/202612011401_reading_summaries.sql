-- Reading progress from summaries (#15): what a plan's progress view, the plans list and home
-- show is read from tables kept current by the writes that change them, so that a view costs
-- the page it shows, not the members and ticks below it.
--
--   app.section_counts(s)       the one rule for whether a section's ticks count (every summary
--                               and total goes through it; a removed-section flag plugs in here)
--   app.reading_progress        (existing) counted sections ticked per (member, reading)
--   app.plan_totals             per plan: its readings in order, their counted sections, the total
--   app.plan_member_progress    per (plan, member): sections done and per-reading cells — for every
--                               member the plan reaches and anyone else who ticked in it
--   app.plan_org_member         per (plan, organisation, member): one row for each organisation
--                               on the path of a membership the plan reaches (the member set of the
--                               secretary's view of that organisation, keyset-paged by an index)
--   app.plan_org_progress       per (plan, organisation): members, members finished, and per reading
--                               how many finished it (the column heads of the view)
--
-- Kept by: ticks → reading_progress (statement triggers) → the plans holding those readings for
-- those members; memberships and organisation moves → those members; a plan's readings or
-- organisations, a reading's sections → the whole plan rebuilt (rare, set-based). Every path goes
-- through app.progress_refresh, so there is one computation to trust; the SQL suite compares it
-- with the direct count from the ticks.

-- functions: the rule -----------------------------------------------------------------------

-- Whether ticks on this section count toward progress. Today every section counts.
-- A removed-section flag (the plan/reading edits work) becomes `select p_section.removed_at is null`;
-- the reading_sections trigger below already rebuilds whatever a change of a section touches.
create function app.section_counts(p_section app.reading_sections) returns boolean
language sql immutable set search_path = '' as $$
  select true
$$;
revoke execute on function app.section_counts(app.reading_sections) from public, anon;
grant execute on function app.section_counts(app.reading_sections) to authenticated, service_role;

-- tables ------------------------------------------------------------------------------------

create table app.plan_totals (
  plan_id uuid primary key references app.study_plans (id) on delete cascade,
  -- the plan's readings that have counted sections, in plan order
  reading_ids uuid[] not null,
  -- counted sections of each, in the same order
  totals int[] not null,
  total int not null
);
comment on table app.plan_totals is 'A plan''s readings (in order) with their counted sections, and the plan''s total: the columns of every progress view. Rebuilt with the plan.';

create table app.plan_member_progress (
  plan_id uuid not null references app.study_plans (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  done int not null,
  -- counted sections done per reading, in the order of plan_totals.reading_ids
  cells int[] not null,
  primary key (plan_id, user_id)
);
comment on table app.plan_member_progress is 'Sections of a plan a member has read (and per reading), for every member the plan reaches and anyone who ticked in it: "my done/total" everywhere.';

create table app.plan_org_member (
  plan_id uuid not null references app.study_plans (id) on delete cascade,
  org_id uuid not null references app.organisations (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  display_name text not null,
  done int not null,
  cells int[] not null,
  primary key (plan_id, org_id, user_id)
);
comment on table app.plan_org_member is 'The members of the progress view of (plan, organisation): active members of the organisation and below it whom the plan reaches, with their progress, so that a page is an index range.';

create table app.plan_org_progress (
  plan_id uuid not null references app.study_plans (id) on delete cascade,
  org_id uuid not null references app.organisations (id) on delete cascade,
  members int not null check (members >= 0),
  complete int not null check (complete >= 0),
  -- members who finished each reading, in the order of plan_totals.reading_ids
  full_counts int[] not null,
  primary key (plan_id, org_id)
);
comment on table app.plan_org_progress is 'Counts of the progress view of (plan, organisation), rolled up through the organisation tree: members, finished, finished per reading.';

-- indexes -----------------------------------------------------------------------------------

create index plan_member_progress_user_id_idx on app.plan_member_progress (user_id);
-- the view's order (least done first, then name) as a keyset
create index plan_org_member_page_idx on app.plan_org_member (plan_id, org_id, done, display_name, user_id);
create index plan_org_member_user_id_idx on app.plan_org_member (user_id);
create index plan_org_member_org_id_idx on app.plan_org_member (org_id);
create index plan_org_progress_org_id_idx on app.plan_org_progress (org_id);

-- RLS ---------------------------------------------------------------------------------------

alter table app.plan_totals enable row level security;
alter table app.plan_member_progress enable row level security;
alter table app.plan_org_member enable row level security;
alter table app.plan_org_progress enable row level security;

create policy plan_totals_select on app.plan_totals for select to authenticated
  using (plan_id in (select p.id from app.study_plans p));
-- my own; others' through the views of organisations I manage (plan_org_member)
create policy plan_member_progress_select on app.plan_member_progress for select to authenticated
  using (user_id = (select auth.uid()));
create policy plan_org_member_select on app.plan_org_member for select to authenticated
  using (org_id in (select app.managed_org_ids()));
create policy plan_org_progress_select on app.plan_org_progress for select to authenticated
  using (org_id in (select app.managed_org_ids()));

-- functions: keeping the summaries ----------------------------------------------------------

-- Recomputes the summaries of the plans p_plans (null: every plan) for the members p_users
-- (null: everyone — the plans are rebuilt from scratch, totals included). Members' old
-- contributions to the organisation counts are taken out and the new ones put in, so a tick
-- touches one member's rows and the counts of the organisations above them.
create function app.progress_refresh(p_plans uuid[], p_users uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
declare
  v_plans uuid[] := coalesce(p_plans, array(select p.id from app.study_plans p));
begin
  if cardinality(v_plans) = 0 or cardinality(p_users) = 0 then
    return;
  end if;

  if p_users is null then
    delete from app.plan_org_progress where plan_id = any (v_plans);
    delete from app.plan_org_member where plan_id = any (v_plans);
    delete from app.plan_member_progress where plan_id = any (v_plans);
    delete from app.plan_totals where plan_id = any (v_plans);
    insert into app.plan_totals (plan_id, reading_ids, totals, total)
    select p.id,
           coalesce(array_agg(r.reading_id order by r.position) filter (where r.reading_id is not null), '{}'),
           coalesce(array_agg(r.n order by r.position) filter (where r.reading_id is not null), '{}'),
           coalesce(sum(r.n), 0)::int
      from app.study_plans p
      left join lateral (
        select pr.reading_id, pr.position, count(*)::int as n
          from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
         where pr.plan_id = p.id and app.section_counts(s)
         group by pr.reading_id, pr.position) r on true
     where p.id = any (v_plans)
     group by p.id;
  else
    -- take the members' contributions out of the organisation counts
    update app.plan_org_progress c
       set members = c.members - d.members, complete = c.complete - d.complete,
           full_counts = app.progress_int_add(c.full_counts, d.full_counts, -1)
      from app.progress_contributions(v_plans, p_users) d
     where c.plan_id = d.plan_id and c.org_id = d.org_id;
    delete from app.plan_org_member where plan_id = any (v_plans) and user_id = any (p_users);
    delete from app.plan_member_progress where plan_id = any (v_plans) and user_id = any (p_users);
  end if;

  -- per (plan, member): everyone the plan reaches, and anyone who ticked in it
  insert into app.plan_member_progress (plan_id, user_id, done, cells)
  select x.plan_id, x.user_id, c.done, c.cells
    from (
      select po.plan_id, m.user_id
        from app.plan_orgs po
        join app.organisations o on o.path @> array[po.org_id]
        join app.memberships m on m.org_id = o.id and m.ended_at is null
       where po.plan_id = any (v_plans) and (p_users is null or m.user_id = any (p_users))
      union
      select pr.plan_id, rp.user_id
        from app.plan_readings pr join app.reading_progress rp on rp.reading_id = pr.reading_id
       where pr.plan_id = any (v_plans) and rp.done > 0 and (p_users is null or rp.user_id = any (p_users))
    ) x
    join app.profiles pf on pf.user_id = x.user_id
    join app.plan_totals t on t.plan_id = x.plan_id
    cross join lateral (
      select coalesce(sum(v.n), 0)::int as done, coalesce(array_agg(v.n order by v.i), '{}') as cells
        from (select r.i, coalesce(rp.done, 0) as n
                from unnest(t.reading_ids) with ordinality r(id, i)
                left join app.reading_progress rp on rp.user_id = x.user_id and rp.reading_id = r.id) v
    ) c;

  -- per (plan, organisation, member): each organisation on the path of a membership the plan reaches
  insert into app.plan_org_member (plan_id, org_id, user_id, display_name, done, cells)
  select distinct po.plan_id, a.org_id, m.user_id, pf.display_name, mp.done, mp.cells
    from app.plan_orgs po
    join app.organisations o on o.path @> array[po.org_id]
    join app.memberships m on m.org_id = o.id and m.ended_at is null
    join app.profiles pf on pf.user_id = m.user_id
    join app.plan_member_progress mp on mp.plan_id = po.plan_id and mp.user_id = m.user_id
    cross join unnest(o.path) a(org_id)
   where po.plan_id = any (v_plans) and (p_users is null or m.user_id = any (p_users));

  -- put the contributions (back) in
  insert into app.plan_org_progress as c (plan_id, org_id, members, complete, full_counts)
  select d.plan_id, d.org_id, d.members, d.complete, d.full_counts
    from app.progress_contributions(v_plans, p_users) d
  on conflict (plan_id, org_id) do update
    set members = c.members + excluded.members, complete = c.complete + excluded.complete,
        full_counts = app.progress_int_add(c.full_counts, excluded.full_counts, 1);
  delete from app.plan_org_progress c where c.plan_id = any (v_plans) and c.members = 0;
end
$$;

-- What the members p_users (null: all) bring to the counts of each (plan, organisation) of
-- p_plans: how many, how many finished, how many finished each reading.
create function app.progress_contributions(p_plans uuid[], p_users uuid[])
returns table (plan_id uuid, org_id uuid, members int, complete int, full_counts int[])
language sql stable security definer set search_path = '' as $$
  with mm as (
    select m.plan_id, m.org_id, m.done, m.cells, t.total, t.totals
      from app.plan_org_member m join app.plan_totals t on t.plan_id = m.plan_id
     where m.plan_id = any (p_plans) and (p_users is null or m.user_id = any (p_users))
  ), per_reading as (
    select x.plan_id, x.org_id, array_agg(x.n order by x.i) as full_counts
      from (select mm.plan_id, mm.org_id, c.i, count(*) filter (where c.v >= mm.totals[c.i])::int as n
              from mm cross join unnest(mm.cells) with ordinality c(v, i)
             group by mm.plan_id, mm.org_id, c.i) x
     group by x.plan_id, x.org_id
  )
  select a.plan_id, a.org_id, a.members, a.complete, coalesce(r.full_counts, '{}')
    from (select mm.plan_id, mm.org_id, count(*)::int as members,
                 count(*) filter (where mm.done >= mm.total)::int as complete
            from mm group by mm.plan_id, mm.org_id) a
    left join per_reading r on r.plan_id = a.plan_id and r.org_id = a.org_id
$$;

-- a + sign * b, element by element (b may be shorter or empty)
create function app.progress_int_add(a int[], b int[], sign int) returns int[]
language sql immutable set search_path = '' as $$
  select coalesce(array_agg(x.v + sign * coalesce(b[x.i], 0) order by x.i), '{}')
    from unnest(a) with ordinality x(v, i)
$$;

-- The plans holding any of these readings.
create function app.plans_of_readings(p_readings uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct pr.plan_id), '{}') from app.plan_readings pr where pr.reading_id = any (p_readings)
$$;

-- Recounts reading_progress for whole readings from the ticks (their sections changed), without
-- letting each row refresh plans one by one: the caller rebuilds the plans after.
create function app.reading_progress_recount(p_readings uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  perform set_config('app.progress_rebuilding', 'on', true);
  delete from app.reading_progress where reading_id = any (p_readings);
  insert into app.reading_progress (user_id, reading_id, done)
  select t.user_id, s.reading_id, count(*)::int
    from app.reading_sections s join app.section_ticks t on t.section_id = s.id
   where s.reading_id = any (p_readings) and app.section_counts(s)
   group by t.user_id, s.reading_id;
  perform set_config('app.progress_rebuilding', 'off', true);
end
$$;

-- functions: triggers -----------------------------------------------------------------------

-- replaces the readings migration's: only sections that count are counted
create or replace function app.section_ticks_count_insert() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.reading_progress as rp (user_id, reading_id, done)
  select n.user_id, s.reading_id, count(*)::int
    from new_ticks n join app.reading_sections s on s.id = n.section_id
   where app.section_counts(s)
   group by n.user_id, s.reading_id
  on conflict (user_id, reading_id) do update set done = rp.done + excluded.done;
  return null;
end
$$;

create or replace function app.section_ticks_count_delete() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.reading_progress rp set done = greatest(rp.done - d.n, 0)
    from (select o.user_id, s.reading_id, count(*)::int as n
            from old_ticks o join app.reading_sections s on s.id = o.section_id
           where app.section_counts(s)
           group by o.user_id, s.reading_id) d
   where rp.user_id = d.user_id and rp.reading_id = d.reading_id;
  return null;
end
$$;

-- reading_progress changed for some (member, reading): those members in the plans holding them
create function app.reading_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if current_setting('app.progress_rebuilding', true) = 'on' then
    return null;
  end if;
  perform app.progress_refresh(app.plans_of_readings(array(select distinct c.reading_id from changed c)),
                               array(select distinct c.user_id from changed c));
  return null;
end
$$;
create trigger reading_progress_summaries_insert after insert on app.reading_progress
  referencing new table as changed for each statement execute function app.reading_progress_summaries();
create trigger reading_progress_summaries_update after update on app.reading_progress
  referencing new table as changed for each statement execute function app.reading_progress_summaries();
create trigger reading_progress_summaries_delete after delete on app.reading_progress
  referencing old table as changed for each statement execute function app.reading_progress_summaries();

-- memberships begun, ended, moved: those members, in every plan
create function app.memberships_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.progress_refresh(null, array(select distinct c.user_id from changed c));
  return null;
end
$$;
create trigger memberships_progress_summaries_insert after insert on app.memberships
  referencing new table as changed for each statement execute function app.memberships_progress_summaries();
create trigger memberships_progress_summaries_update after update on app.memberships
  referencing new table as changed for each statement execute function app.memberships_progress_summaries();
create trigger memberships_progress_summaries_delete after delete on app.memberships
  referencing old table as changed for each statement execute function app.memberships_progress_summaries();

-- an organisation moved (its path and those below it rewritten): the members below it
create function app.organisations_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.progress_refresh(null, array(
    select distinct m.user_id from new_orgs n join old_orgs o on o.id = n.id and o.path is distinct from n.path
      join app.memberships m on m.org_id = n.id and m.ended_at is null));
  return null;
end
$$;
create trigger organisations_progress_summaries after update on app.organisations
  referencing old table as old_orgs new table as new_orgs for each statement
  execute function app.organisations_progress_summaries();

-- a name shown in the views changed
create function app.profiles_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.plan_org_member m set display_name = n.display_name
    from new_profiles n join old_profiles o on o.user_id = n.user_id
   where m.user_id = n.user_id and n.display_name is distinct from o.display_name;
  return null;
end
$$;
create trigger profiles_progress_summaries after update on app.profiles
  referencing old table as old_profiles new table as new_profiles for each statement
  execute function app.profiles_progress_summaries();

-- a plan's readings or organisations changed: the plan rebuilt
create function app.plan_parts_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.progress_refresh(array(select distinct c.plan_id from changed c
                                      where exists (select 1 from app.study_plans p where p.id = c.plan_id)), null);
  return null;
end
$$;
create trigger plan_readings_progress_summaries_insert after insert on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_progress_summaries();
create trigger plan_readings_progress_summaries_update after update on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_progress_summaries();
create trigger plan_readings_progress_summaries_delete after delete on app.plan_readings
  referencing old table as changed for each statement execute function app.plan_parts_progress_summaries();
create trigger plan_orgs_progress_summaries_insert after insert on app.plan_orgs
  referencing new table as changed for each statement execute function app.plan_parts_progress_summaries();
create trigger plan_orgs_progress_summaries_delete after delete on app.plan_orgs
  referencing old table as changed for each statement execute function app.plan_parts_progress_summaries();

-- a new plan has its totals (and no readings yet) at once
create function app.study_plans_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.progress_refresh(array(select c.id from changed c), null);
  return null;
end
$$;
create trigger study_plans_progress_summaries after insert on app.study_plans
  referencing new table as changed for each statement execute function app.study_plans_progress_summaries();

-- a reading's sections added, changed (e.g. removed) or deleted: its counts recounted, its plans rebuilt
create function app.reading_sections_progress_summaries() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_readings uuid[] := array(select distinct c.reading_id from changed c);
begin
  perform app.reading_progress_recount(v_readings);
  perform app.progress_refresh(app.plans_of_readings(v_readings), null);
  return null;
end
$$;
create trigger reading_sections_progress_summaries_insert after insert on app.reading_sections
  referencing new table as changed for each statement execute function app.reading_sections_progress_summaries();
-- an update recounts only the readings whose sections changed in what counts (a text edit does not)
create function app.reading_sections_progress_summaries_update() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_readings uuid[] := array(
    select distinct x.reading_id
      from old_sections o join new_sections n on n.id = o.id
     cross join lateral (values (o.reading_id), (n.reading_id)) x(reading_id)
     where o.reading_id <> n.reading_id or app.section_counts(o) is distinct from app.section_counts(n));
begin
  if cardinality(v_readings) > 0 then
    perform app.reading_progress_recount(v_readings);
    perform app.progress_refresh(app.plans_of_readings(v_readings), null);
  end if;
  return null;
end
$$;
create trigger reading_sections_progress_summaries_update after update on app.reading_sections
  referencing old table as old_sections new table as new_sections for each statement
  execute function app.reading_sections_progress_summaries_update();
create trigger reading_sections_progress_summaries_delete after delete on app.reading_sections
  referencing old table as changed for each statement execute function app.reading_sections_progress_summaries();

-- functions: the API ------------------------------------------------------------------------

create or replace function public.plans_list() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return coalesce((
    select jsonb_agg(jsonb_build_object(
        'id', p.id, 'title', p.title, 'description', p.description, 'due_on', p.due_on,
        'org_id', p.org_id, 'org_name', po.names, 'org_ids', to_jsonb(po.ids),
        'reading_count', st.readings, 'total', st.total, 'done', st.done,
        'assigned_to_me', po.ids && array(select app.my_reach_org_ids()),
        'can_manage', po.can_manage)
        order by (st.done = st.total and st.total > 0), (p.due_on < current_date), p.due_on, p.title)
      from app.study_plans p
      cross join lateral app.plan_org_list(p.id) po
      cross join lateral app.my_plan_progress(p.id, v_uid) st
  ), '[]'::jsonb);
end
$$;

-- My done/total of a plan, as every screen shows it: from the summaries.
create function app.my_plan_progress(p_plan_id uuid, p_user uuid, out readings int, out total int, out done int)
language sql stable set search_path = '' as $$
  select coalesce(cardinality(t.reading_ids), 0), coalesce(t.total, 0),
         coalesce((select mp.done from app.plan_member_progress mp where mp.plan_id = p_plan_id and mp.user_id = p_user), 0)
    from (select 1) one left join app.plan_totals t on t.plan_id = p_plan_id
$$;
revoke execute on function app.my_plan_progress(uuid, uuid) from public, anon;
grant execute on function app.my_plan_progress(uuid, uuid) to authenticated, service_role;

create or replace function app.home_readings() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan uuid;
  v_continue jsonb;
  v_due jsonb;
begin
  with plans as (
    select p.id, p.title, p.due_on, st.total, st.done,
           (select max(t.read_at)
              from app.plan_readings pr
              join app.reading_sections s on s.reading_id = pr.reading_id
              join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
             where pr.plan_id = p.id and app.section_counts(s)) as last_read
      from app.study_plans p
      cross join lateral app.my_plan_progress(p.id, v_uid) st
     where p.id in (select po.plan_id from app.plan_orgs po where po.org_id in (select app.my_reach_org_ids()))
       and st.total > 0
  )
  select
    (select jsonb_build_object('id', x.id, 'title', x.title, 'due_on', x.due_on, 'done', x.done, 'total', x.total)
       from plans x where x.done < x.total and x.due_on >= current_date
      order by x.due_on, x.title limit 1),
    coalesce(
      (select x.id from plans x where x.done < x.total and x.last_read is not null
        order by x.last_read desc, x.due_on, x.title, x.id limit 1),
      (select x.id from plans x where x.done < x.total order by (x.due_on < current_date), x.due_on, x.title, x.id limit 1))
    into v_due, v_plan;

  if v_plan is not null then
    select jsonb_build_object('plan_id', v_plan, 'reading_id', r.id, 'section_id', s.id,
                              'reading_title', r.title, 'section_title', s.title)
      into v_continue
      from app.plan_readings pr
      join app.readings r on r.id = pr.reading_id
      join app.reading_sections s on s.reading_id = r.id
     where pr.plan_id = v_plan and app.section_counts(s)
       and not exists (select 1 from app.section_ticks t where t.user_id = v_uid and t.section_id = s.id)
     order by pr.position, s.position
     limit 1;
  end if;
  return jsonb_build_object('continue_reading', v_continue, 'due_plan', v_due);
end
$$;

-- A plan's readings with my done per reading: from the same summary as plans_list and home.
create or replace function public.plan_detail(p_plan_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan app.study_plans := app.visible_plan(p_plan_id);
  v_ids uuid[] := (select t.reading_ids from app.plan_totals t where t.plan_id = p_plan_id);
  v_cells int[] := (select mp.cells from app.plan_member_progress mp where mp.plan_id = p_plan_id and mp.user_id = v_uid);
begin
  return jsonb_build_object(
    'plan', (select jsonb_build_object(
        'id', v_plan.id, 'title', v_plan.title, 'description', v_plan.description, 'due_on', v_plan.due_on,
        'org_id', v_plan.org_id, 'org_name', po.names, 'org_ids', to_jsonb(po.ids), 'can_manage', po.can_manage)
        from app.plan_org_list(v_plan.id) po),
    'readings', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', r.id, 'title', r.title, 'author', r.author, 'where_to_read', r.where_to_read,
          'position', pr.position, 'total', st.total,
          'done', coalesce(v_cells[array_position(v_ids, r.id)], 0), 'est_minutes', st.minutes,
          'has_text', st.has_text)
          order by pr.position)
        from app.plan_readings pr
        join app.readings r on r.id = pr.reading_id
        cross join lateral (
          select count(*) filter (where app.section_counts(s))::int as total,
                 sum(s.est_minutes)::int as minutes, bool_or(s.body_md is not null) as has_text
            from app.reading_sections s
           where s.reading_id = r.id) st
       where pr.plan_id = v_plan.id), '[]'::jsonb)
  );
end
$$;

-- The summaries' part of the secretary's view, across RLS on purpose: the policies of the summary
-- tables would each ask app.managed_org_ids() again (a scan of the caller's memberships per
-- table). Its first statement checks that the caller manages the organisation; shared notes keep
-- the notes' own rule (visible organisations).
create function app.plan_progress_data(p_plan_id uuid, p_org uuid, p_plan_orgs uuid[], p_after_done int,
  p_after_name text, p_after_user uuid, p_limit int)
returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_totals app.plan_totals;
  v_counts app.plan_org_progress;
  v_page jsonb;
  v_next jsonb;
begin
  if auth.uid() is null or not app.can_manage(p_org) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  select * into v_totals from app.plan_totals t where t.plan_id = p_plan_id;
  select * into v_counts from app.plan_org_progress c where c.plan_id = p_plan_id and c.org_id = p_org;

  with page as (
    select m.user_id, m.display_name, m.done, m.cells
      from app.plan_org_member m
     where m.plan_id = p_plan_id and m.org_id = p_org
       and (p_after_user is null or (m.done, m.display_name, m.user_id) > (p_after_done, p_after_name, p_after_user))
     order by m.done, m.display_name, m.user_id
     limit p_limit + 1
  ), numbered as (
    select p.*, row_number() over (order by p.done, p.display_name, p.user_id) as n from page p
  )
  select coalesce(jsonb_agg(jsonb_build_object(
             'user_id', r.user_id, 'name', r.display_name,
             'org_name', (select o.name
                            from app.memberships mm join app.organisations o on o.id = mm.org_id
                           where mm.user_id = r.user_id and mm.ended_at is null
                             and o.path @> array[p_org] and o.path && p_plan_orgs
                           order by array_length(o.path, 1) desc, o.id limit 1),
             'cells', to_jsonb(r.cells), 'done', r.done)
             order by r.n) filter (where r.n <= p_limit), '[]'::jsonb),
         (select jsonb_build_object('done', l.done, 'name', l.display_name, 'user_id', l.user_id)
            from numbered l where l.n = p_limit and exists (select 1 from numbered z where z.n > p_limit))
    into v_page, v_next
    from numbered r;

  return jsonb_build_object(
    'total', coalesce(v_totals.total, 0),
    'readings', coalesce((select jsonb_agg(jsonb_build_object('id', r.id, 'title', rd.title, 'total', v_totals.totals[r.i],
                  'done_members', coalesce(v_counts.full_counts[r.i], 0)) order by r.i)
                from unnest(v_totals.reading_ids) with ordinality r(id, i)
                join app.readings rd on rd.id = r.id), '[]'::jsonb),
    'member_count', coalesce(v_counts.members, 0),
    'complete_count', coalesce(v_counts.complete, 0),
    'members', v_page,
    'next', v_next,
    -- first page only: the notes shared by the view's members on the plan's readings
    'shared_notes', case when p_after_user is null then coalesce((select jsonb_agg(jsonb_build_object(
                  'id', n.id, 'reading_id', n.reading_id, 'author_name', pm.display_name, 'body', n.body,
                  'updated_at', n.updated_at) order by n.updated_at desc)
                from app.notes n
                join app.plan_org_member pm on pm.plan_id = p_plan_id and pm.org_id = p_org and pm.user_id = n.user_id
               where n.visibility = 'branch' and n.reading_id = any (v_totals.reading_ids)
                 and n.org_id in (select app.visible_org_ids())), '[]'::jsonb)
               else '[]'::jsonb end);
end
$$;

-- The secretary's view, paged: the view's organisation (as before: default the highest of the
-- plan's I manage), the plan's readings with how many finished each, and one page of members,
-- least read first (then name), from the summaries. p_after is the 'next' of the previous page.
drop function public.plan_progress(uuid, uuid);
create function public.plan_progress(p_plan_id uuid, p_org_id uuid default null, p_after jsonb default null,
  p_limit int default 100)
returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan app.study_plans := app.visible_plan(p_plan_id);
  v_org uuid := p_org_id;
  v_plan_orgs uuid[] := array(select po.org_id from app.plan_orgs po where po.plan_id = v_plan.id);
  v_managed uuid[] := array(select app.managed_org_ids());
  v_after_done int;
  v_after_name text;
  v_after_user uuid;
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'readings.page_size_invalid', errcode = 'P0001';
  end if;
  if p_after is not null then
    begin
      v_after_done := (p_after ->> 'done')::int;
      v_after_name := p_after ->> 'name';
      v_after_user := (p_after ->> 'user_id')::uuid;
    exception when others then
      raise exception using message = 'readings.cursor_invalid', errcode = 'P0001';
    end;
    if jsonb_typeof(p_after) <> 'object' or v_after_done is null or v_after_name is null or v_after_user is null then
      raise exception using message = 'readings.cursor_invalid', errcode = 'P0001';
    end if;
  end if;
  if v_org is null then
    select o.id into v_org from app.organisations o
     where o.id = any (v_managed) and o.path && v_plan_orgs
     order by (o.id = any (v_plan_orgs)) desc, array_length(o.path, 1), o.sort_order, o.name
     limit 1;
  end if;
  if v_org is null or not app.can_manage(v_org) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  if not exists (select 1 from app.organisations o where o.id = v_org and o.path && v_plan_orgs)
     and not exists (select 1 from app.organisations o where o.id = any (v_plan_orgs) and o.path @> array[v_org]) then
    raise exception using message = 'readings.org_not_in_plan', errcode = 'P0001';
  end if;

  return jsonb_build_object(
    'plan', jsonb_build_object('id', v_plan.id, 'title', v_plan.title, 'due_on', v_plan.due_on,
                               'overdue', v_plan.due_on < current_date),
    'org', (select jsonb_build_object('id', o.id, 'name', o.name) from app.organisations o where o.id = v_org),
    'orgs', coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name)
                  order by array_length(o.path, 1), o.sort_order, o.name)
                from app.organisations o
               where o.id = any (v_plan_orgs) and o.id = any (v_managed)), '[]'::jsonb)
  ) || app.plan_progress_data(v_plan.id, v_org, v_plan_orgs, v_after_done, v_after_name, v_after_user, p_limit);
end
$$;

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.progress_refresh(uuid[], uuid[]) from public, anon;
grant execute on function app.progress_refresh(uuid[], uuid[]) to service_role;
revoke execute on function app.progress_contributions(uuid[], uuid[]) from public, anon;
grant execute on function app.progress_contributions(uuid[], uuid[]) to service_role;
revoke execute on function app.progress_int_add(int[], int[], int) from public, anon;
grant execute on function app.progress_int_add(int[], int[], int) to service_role;
revoke execute on function app.plans_of_readings(uuid[]) from public, anon;
grant execute on function app.plans_of_readings(uuid[]) to service_role;
revoke execute on function app.reading_progress_recount(uuid[]) from public, anon;
revoke execute on function app.section_ticks_count_insert(), app.section_ticks_count_delete() from public, anon;
grant execute on function app.reading_progress_recount(uuid[]) to service_role;
revoke execute on function app.plan_progress_data(uuid, uuid, uuid[], int, text, uuid, int) from public, anon;
grant execute on function app.plan_progress_data(uuid, uuid, uuid[], int, text, uuid, int) to authenticated;
revoke execute on function public.plan_progress(uuid, uuid, jsonb, int) from public, anon;
grant execute on function public.plan_progress(uuid, uuid, jsonb, int) to authenticated;
grant select on app.plan_totals, app.plan_member_progress, app.plan_org_member, app.plan_org_progress to authenticated;
grant select, insert, update, delete on app.plan_totals, app.plan_member_progress, app.plan_org_member,
  app.plan_org_progress to service_role;

-- the summaries of what is already there
select app.progress_refresh(null, null);
