-- Readings: theory texts split into sections, study plans that assign them to an organisation
-- with a due date, each member's ticks (sections read) and notes (学习心得), and the progress
-- view of a secretary. The measure is sections read and notes written: no points, no timers.
--
-- Who sees what
--   readings, sections: org_id in app.visible_org_ids() — a county-wide reading belongs to the
--     bureau and so reaches everyone; a branch's reaches that branch (and the committee members
--     and secretaries above it), never a sibling branch.
--   plans: the same rule through any of their organisations (plan_orgs): a plan for branches A
--     and B is seen by both (and above them), never by a sibling branch C.
--   ticks: the member's own, and those of active members of organisations the caller manages
--     (secretary rank or more: app.managed_org_ids()). Committee members (委员) do not see
--     others' ticks: following a colleague's reading is the secretary's job.
--   notes: private ones only ever by their author; shared ones (visibility 'branch') by whoever
--     sees the organisation they were shared with (its members, the groups below it, and the
--     committee members and secretaries above it: app.visible_org_ids()).

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- tables ------------------------------------------------------------------------------------
create table app.readings (
  id uuid primary key default gen_random_uuid(),
  -- the bureau for county-wide readings, else the organisation that added it
  org_id uuid not null references app.organisations (id),
  title text not null check (char_length(btrim(title)) between 1 and 120),
  author text not null default '' check (char_length(author) <= 120),
  where_to_read text not null default '' check (char_length(where_to_read) <= 300),
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now()
);

comment on table app.readings is 'A theory text (or a document) members study, split into sections. Scoped to an organisation; the bureau''s are county-wide.';

create table app.reading_sections (
  id uuid primary key default gen_random_uuid(),
  reading_id uuid not null references app.readings (id) on delete cascade,
  position int not null check (position between 1 and 200),
  title text not null check (char_length(btrim(title)) between 1 and 120),
  -- Markdown; null when the text is not in the app (where_to_read says where it is)
  body_md text check (char_length(body_md) <= 50000),
  where_to_read text not null default '' check (char_length(where_to_read) <= 300),
  est_minutes int check (est_minutes between 1 and 600),
  constraint reading_sections_position_key unique (reading_id, position) deferrable initially immediate
);

comment on table app.reading_sections is 'The parts of a reading, in order. A section is what a member ticks off.';

create table app.study_plans (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references app.organisations (id),
  title text not null check (char_length(btrim(title)) between 1 and 120),
  description text not null default '' check (char_length(description) <= 2000),
  due_on date not null,
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  -- tables ------------------------------------------------------------------------------------
  archived_at timestamptz
);

comment on table app.study_plans is 'Readings assigned to organisations (plan_orgs) with a due date; a plan of the bureau reaches everyone below it. org_id is the first organisation it was made for (audit, reports).';

create table app.plan_orgs (
  plan_id uuid not null references app.study_plans (id) on delete cascade,
  org_id uuid not null references app.organisations (id),
  primary key (plan_id, org_id)
);

comment on table app.plan_orgs is 'The organisations a plan is for: their members and the members of everything below them. Always holds the plan''s own org_id.';

create table app.plan_readings (
  plan_id uuid not null references app.study_plans (id) on delete cascade,
  reading_id uuid not null references app.readings (id),
  position int not null check (position between 1 and 50),
  primary key (plan_id, reading_id),
  constraint plan_readings_position_key unique (plan_id, position)
);

comment on table app.plan_readings is 'Which readings a plan holds, in order.';

create table app.section_ticks (
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  section_id uuid not null references app.reading_sections (id) on delete cascade,
  read_at timestamptz not null default now(),
  primary key (user_id, section_id)
);

comment on table app.section_ticks is 'A member marked a section as read. Untick deletes the row; a re-tick keeps the first time.';

create table app.reading_progress (
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  reading_id uuid not null references app.readings (id) on delete cascade,
  done int not null default 0 check (done >= 0),
  primary key (user_id, reading_id)
);

comment on table app.reading_progress is 'Sections of a reading a member has ticked, kept by triggers on section_ticks, so that progress views read members × readings rather than every tick.';

create table app.notes (
  -- made by the client, so a retried save never makes a second note
  id uuid primary key,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  reading_id uuid not null references app.readings (id) on delete cascade,
  body text not null check (char_length(btrim(body)) between 1 and 5000),
  visibility text not null default 'private' check (visibility in ('private', 'branch')),
  -- the organisation it is shared with; null while private
  org_id uuid references app.organisations (id),
  -- bumped on every change: a save from a stale base says "changed on another device"
  version int not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint notes_one_per_reading unique (user_id, reading_id),
  constraint notes_shared_has_org check ((visibility = 'branch') = (org_id is not null))
);

comment on table app.notes is 'A member''s study note (学习心得) on a reading: private, or shared with one of their organisations.';

-- Correcting a reading (issue #16.4): a secretary of the reading's organisation (the bureau for
-- county-wide ones) changes its title, author, where to read, and its sections — added, edited,
-- reordered, removed. And the secretaries hear when a member joins their organisation.
--
-- Sections keep their ids across edits: an edit updates rows in place, a reorder only rewrites
-- positions, so every tick stays attached to the section it was made on. A removed section moves,
-- with its ticks, to removed_sections / removed_section_ticks (the history): it leaves
-- app.reading_sections, so no count that reads sections (progress, done/total, home, the plan-due
-- reminder, reports, 学时) needs to know about removals, in a function written now or later; the
-- tick counter (reading_progress) drops them through its own delete trigger.

create table app.removed_sections (
  -- the section's own id, kept so that its ticks in history still point at it
  id uuid primary key,
  reading_id uuid not null references app.readings (id) on delete cascade,
  position int not null,
  title text not null,
  body_md text,
  where_to_read text not null default '',
  est_minutes int,
  removed_at timestamptz not null default now(),
  removed_by uuid references app.profiles (user_id) on delete set null
);

comment on table app.removed_sections is 'Sections taken out of a reading by an edit, as they were: history, counted nowhere.';

create table app.removed_section_ticks (
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  section_id uuid not null references app.removed_sections (id) on delete cascade,
  read_at timestamptz not null,
  primary key (user_id, section_id)
);

comment on table app.removed_section_ticks is 'Ticks members made on a section before it was removed: kept as history, no longer counted.';

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
create index readings_org_id_idx on app.readings (org_id);
create index readings_created_by_idx on app.readings (created_by);

-- reading_sections (reading_id) is covered by reading_sections_position_key
create index study_plans_org_id_idx on app.study_plans (org_id, due_on);
create index study_plans_created_by_idx on app.study_plans (created_by);
create index plan_readings_reading_id_idx on app.plan_readings (reading_id);

-- plan_orgs (plan_id) is covered by the primary key
create index plan_orgs_org_id_idx on app.plan_orgs (org_id);

-- section_ticks (user_id) is covered by the primary key; "what did I read last" by this one
create index section_ticks_user_read_at_idx on app.section_ticks (user_id, read_at desc);
create index section_ticks_section_id_idx on app.section_ticks (section_id);
create index reading_progress_reading_id_idx on app.reading_progress (reading_id);
create index notes_reading_org_idx on app.notes (reading_id, org_id) where visibility = 'branch';
create index notes_reading_id_idx on app.notes (reading_id);
create index notes_org_id_idx on app.notes (org_id);

create index removed_sections_reading_id_idx on app.removed_sections (reading_id);
create index removed_sections_removed_by_idx on app.removed_sections (removed_by);
create index removed_section_ticks_section_id_idx on app.removed_section_ticks (section_id);

create index plan_member_progress_user_id_idx on app.plan_member_progress (user_id);

-- the view's order (least done first, then name) as a keyset
create index plan_org_member_page_idx on app.plan_org_member (plan_id, org_id, done, display_name, user_id);
create index plan_org_member_user_id_idx on app.plan_org_member (user_id);
create index plan_org_member_org_id_idx on app.plan_org_member (org_id);
create index plan_org_progress_org_id_idx on app.plan_org_progress (org_id);

-- triggers ----------------------------------------------------------------------------------

-- notes (user_id) is covered by notes_one_per_reading

-- created_by is whoever inserts; it never changes
create function app.readings_set_created_by() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.created_by := coalesce(auth.uid(), new.created_by);
  return new;
end
$$;
revoke execute on function app.readings_set_created_by() from public;
grant execute on function app.readings_set_created_by() to authenticated, service_role;

create trigger readings_created_by before insert on app.readings
  for each row execute function app.readings_set_created_by();

create trigger study_plans_created_by before insert on app.study_plans
  for each row execute function app.readings_set_created_by();

-- a plan is always for its own organisation (plan_create adds the others)
create function app.study_plans_own_org() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.plan_orgs (plan_id, org_id) values (new.id, new.org_id) on conflict do nothing;
  return null;
end
$$;
revoke execute on function app.study_plans_own_org() from public;
grant execute on function app.study_plans_own_org() to authenticated, service_role;

create trigger study_plans_own_org after insert on app.study_plans
  for each row execute function app.study_plans_own_org();

-- functions: triggers -----------------------------------------------------------------------

-- only sections that count (app.section_counts) are counted
create function app.section_ticks_count_insert() returns trigger
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
revoke execute on function app.section_ticks_count_insert() from public;
grant execute on function app.section_ticks_count_insert() to authenticated, service_role;

create function app.section_ticks_count_delete() returns trigger
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
revoke execute on function app.section_ticks_count_delete() from public;
grant execute on function app.section_ticks_count_delete() to authenticated, service_role;

create trigger section_ticks_count_insert after insert on app.section_ticks
  referencing new table as new_ticks for each statement execute function app.section_ticks_count_insert();

create trigger section_ticks_count_delete after delete on app.section_ticks
  referencing old table as old_ticks for each statement execute function app.section_ticks_count_delete();

-- functions ---------------------------------------------------------------------------------

-- an archived plan only for those who manage one of its
-- organisations
create function app.visible_plan_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select distinct po.plan_id from app.plan_orgs po
    join app.study_plans p on p.id = po.plan_id
   where po.org_id in (select app.visible_org_ids())
     and (p.archived_at is null or po.org_id in (select app.managed_org_ids()))
$$;
revoke execute on function app.visible_plan_ids() from public;
grant execute on function app.visible_plan_ids() to authenticated, service_role;

alter table app.readings enable row level security;
alter table app.reading_sections enable row level security;
alter table app.study_plans enable row level security;
alter table app.plan_readings enable row level security;
alter table app.plan_orgs enable row level security;
alter table app.section_ticks enable row level security;
alter table app.reading_progress enable row level security;
alter table app.notes enable row level security;

create policy readings_select on app.readings for select to authenticated
  using (org_id in (select app.visible_org_ids()));

create policy readings_insert on app.readings for insert to authenticated
  with check (org_id in (select app.managed_org_ids()));

create policy reading_sections_select on app.reading_sections for select to authenticated
  using (reading_id in (select r.id from app.readings r));

create policy reading_sections_insert on app.reading_sections for insert to authenticated
  with check (reading_id in (select r.id from app.readings r where r.org_id in (select app.managed_org_ids())));

create policy study_plans_select on app.study_plans for select to authenticated
  using (id in (select app.visible_plan_ids()));

create policy study_plans_insert on app.study_plans for insert to authenticated
  with check (org_id in (select app.managed_org_ids()));

create policy plan_readings_select on app.plan_readings for select to authenticated
  using (plan_id in (select p.id from app.study_plans p));

create policy plan_readings_insert on app.plan_readings for insert to authenticated
  with check (plan_id in (select p.id from app.study_plans p where p.org_id in (select app.managed_org_ids())));

create policy plan_orgs_select on app.plan_orgs for select to authenticated
  using (plan_id in (select app.visible_plan_ids()));

create policy plan_orgs_insert on app.plan_orgs for insert to authenticated
  with check (
    org_id in (select app.managed_org_ids())
    and plan_id in (select p.id from app.study_plans p where p.created_by = (select auth.uid()))
  );

create policy section_ticks_select on app.section_ticks for select to authenticated
  using (
    user_id = (select auth.uid())
    or user_id in (
      select m.user_id from app.memberships m
       where m.ended_at is null and m.org_id in (select app.managed_org_ids()))
  );

create policy section_ticks_insert on app.section_ticks for insert to authenticated
  with check (user_id = (select auth.uid()) and section_id in (select s.id from app.reading_sections s));

create policy section_ticks_delete on app.section_ticks for delete to authenticated
  using (user_id = (select auth.uid()));

-- the same rule as the ticks it counts
create policy reading_progress_select on app.reading_progress for select to authenticated
  using (
    user_id = (select auth.uid())
    or user_id in (
      select m.user_id from app.memberships m
       where m.ended_at is null and m.org_id in (select app.managed_org_ids()))
  );

create policy notes_select on app.notes for select to authenticated
  using (
    user_id = (select auth.uid())
    or (visibility = 'branch' and org_id in (select app.visible_org_ids()))
  );

create policy notes_insert on app.notes for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and reading_id in (select r.id from app.readings r)
    and (org_id is null or org_id in (
      select m.org_id from app.memberships m where m.user_id = (select auth.uid()) and m.ended_at is null))
  );

create policy notes_update on app.notes for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and (org_id is null or org_id in (
      select m.org_id from app.memberships m where m.user_id = (select auth.uid()) and m.ended_at is null))
  );

create policy notes_delete on app.notes for delete to authenticated
  using (user_id = (select auth.uid()));

-- functions: helpers ------------------------------------------------------------------------

-- The organisations whose plans reach me: those I am a member of and everything above them.
create function app.my_reach_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select distinct unnest(o.path)
    from app.memberships m join app.organisations o on o.id = m.org_id
   where m.user_id = auth.uid() and m.ended_at is null
$$;
revoke execute on function app.my_reach_org_ids() from public;
grant execute on function app.my_reach_org_ids() to authenticated, service_role;

-- A text parameter trimmed and checked: required, at most p_max characters.
create function app.readings_text(p_value text, p_max int, p_required boolean, p_key text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  v text := btrim(coalesce(p_value, ''));
begin
  if p_required and v = '' then
    raise exception using message = 'readings.' || p_key || '_required', errcode = 'P0001';
  end if;
  if char_length(v) > p_max then
    raise exception using message = 'readings.' || p_key || '_too_long', errcode = 'P0001';
  end if;
  return v;
end
$$;
revoke execute on function app.readings_text(text, integer, boolean, text) from public;
grant execute on function app.readings_text(text, integer, boolean, text) to authenticated, service_role;

-- The plan if I may see it, else readings.plan_not_found.
create function app.visible_plan(p_plan_id uuid) returns app.study_plans
language plpgsql stable set search_path = '' as $$
declare
  v app.study_plans;
begin
  select * into v from app.study_plans p where p.id = p_plan_id;
  if not found then
    raise exception using message = 'readings.plan_not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function app.visible_plan(uuid) from public;
grant execute on function app.visible_plan(uuid) to authenticated, service_role;

-- A plan's organisations as the app shows them: ids (the plan's own first), names joined with
-- '、', and whether I manage any of them.
create function app.plan_org_list(p_plan_id uuid, out ids uuid[], out names text, out can_manage boolean)
language sql stable set search_path = '' as $$
  select array_agg(o.id order by (o.id = p.org_id) desc, array_length(o.path, 1), o.sort_order, o.name),
         string_agg(o.name, '、' order by (o.id = p.org_id) desc, array_length(o.path, 1), o.sort_order, o.name),
         coalesce(bool_or(app.can_manage(o.id)), false)
    from app.plan_orgs po
    join app.study_plans p on p.id = po.plan_id
    join app.organisations o on o.id = po.org_id
   where po.plan_id = p_plan_id
$$;
revoke execute on function app.plan_org_list(uuid) from public;
grant execute on function app.plan_org_list(uuid) to authenticated, service_role;

-- My note as the app shows it.
create function app.note_json(p_note app.notes) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'id', p_note.id, 'reading_id', p_note.reading_id, 'body', p_note.body,
    'visibility', p_note.visibility, 'org_id', p_note.org_id,
    'org_name', (select o.name from app.organisations o where o.id = p_note.org_id),
    'version', p_note.version, 'updated_at', p_note.updated_at)
$$;
revoke execute on function app.note_json(app.notes) from public;
grant execute on function app.note_json(app.notes) to authenticated, service_role;

-- For home_summary(): where to go on reading, and the plan due soonest that I have not finished.
-- continue_reading: the first unticked section (in plan order) of the plan I ticked in last, or,
-- before any tick, of the plan due soonest. When the last tick counts for several plans (a reading
-- in a county plan and a branch plan), the plan due soonest, so the home card does not flip
-- between them.
create function app.home_readings() returns jsonb
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
revoke execute on function app.home_readings() from public;
grant execute on function app.home_readings() to authenticated, service_role;

-- functions: the API ------------------------------------------------------------------------
create function public.plan_list() returns jsonb
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
revoke execute on function public.plan_list() from public, anon;
grant execute on function public.plan_list() to authenticated;

-- A plan's readings with my done per reading: from the same summary as plan_list and home.
create function public.plan_detail(p_plan_id uuid) returns jsonb
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
revoke execute on function public.plan_detail(uuid) from public, anon;
grant execute on function public.plan_detail(uuid) to authenticated;

-- A reading with its sections as my checklist, my note, the notes my organisations shared, and
-- the organisations I could share a note with.
create function public.reading_detail(p_reading_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_reading app.readings := app.reading_or_404(p_reading_id);
begin
  return jsonb_build_object(
    'reading', jsonb_build_object(
      'id', v_reading.id, 'title', v_reading.title, 'author', v_reading.author,
      'where_to_read', v_reading.where_to_read,
      'est_minutes', (select sum(s.est_minutes)::int from app.reading_sections s where s.reading_id = v_reading.id)),
    'sections', coalesce((
      select jsonb_agg(app.section_json(s, t.read_at, false) order by s.position)
        from app.reading_sections s
        left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
       where s.reading_id = v_reading.id), '[]'::jsonb),
    'my_note', (select app.note_json(n) from app.notes n where n.reading_id = v_reading.id and n.user_id = v_uid),
    'shared_notes', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', n.id, 'author_name', p.display_name, 'org_name', o.name, 'body', n.body, 'updated_at', n.updated_at)
          order by n.updated_at desc)
        from app.notes n
        join app.profiles p on p.user_id = n.user_id
        join app.organisations o on o.id = n.org_id
       where n.reading_id = v_reading.id and n.visibility = 'branch' and n.user_id <> v_uid), '[]'::jsonb),
    'share_orgs', coalesce((
      select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name) order by array_length(o.path, 1) desc, o.name)
        from app.memberships m join app.organisations o on o.id = m.org_id
       where m.user_id = v_uid and m.ended_at is null), '[]'::jsonb)
  );
end
$$;
revoke execute on function public.reading_detail(uuid) from public, anon;
grant execute on function public.reading_detail(uuid) to authenticated;

-- Every section of a reading with its text: what the reader shows and keeps for offline use.
create function public.reading_texts(p_reading_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_reading app.readings := app.reading_or_404(p_reading_id);
begin
  return jsonb_build_object(
    'id', v_reading.id, 'title', v_reading.title, 'author', v_reading.author,
    'where_to_read', v_reading.where_to_read,
    'sections', coalesce((
      select jsonb_agg(app.section_json(s, t.read_at, true) order by s.position)
        from app.reading_sections s
        left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
       where s.reading_id = v_reading.id), '[]'::jsonb));
end
$$;
revoke execute on function public.reading_texts(uuid) from public, anon;
grant execute on function public.reading_texts(uuid) to authenticated;

-- Tick (p_read true) or untick a section. Both are idempotent: a re-tick keeps the first time,
-- an untick of an unticked section changes nothing. The phone's clock is trusted for when it
-- was read (ticks made offline arrive later) but never into the future.
create function public.section_tick(p_section_id uuid, p_read boolean, p_client_time timestamptz default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_read_at timestamptz;
begin
  if p_read is null then
    raise exception using message = 'readings.read_required', errcode = 'P0001';
  end if;
  if p_section_id is null or not exists (select 1 from app.reading_sections s where s.id = p_section_id) then
    raise exception using message = 'readings.section_not_found', errcode = 'PT404';
  end if;
  if p_read then
    insert into app.section_ticks (user_id, section_id, read_at)
    values (v_uid, p_section_id, least(coalesce(p_client_time, now()), now()))
    on conflict (user_id, section_id) do nothing;
    select t.read_at into v_read_at from app.section_ticks t where t.user_id = v_uid and t.section_id = p_section_id;
  else
    delete from app.section_ticks t where t.user_id = v_uid and t.section_id = p_section_id;
  end if;
  return jsonb_build_object('section_id', p_section_id, 'read', p_read, 'read_at', v_read_at);
end
$$;
revoke execute on function public.section_tick(uuid, boolean, timestamp with time zone) from public, anon;
grant execute on function public.section_tick(uuid, boolean, timestamp with time zone) to authenticated;

-- Save my note on a reading (one per reading; p_id is made by the client). Last saved wins:
-- when p_base_version is older than the stored version the note was changed on another device
-- since this one loaded it; it is overwritten all the same and overwrote_newer says so. A retry
-- of a save that already landed (same text) changes nothing.
create function public.note_save(
  p_id uuid, p_reading_id uuid, p_body text, p_visibility text default 'private',
  p_base_version int default null, p_org_id uuid default null
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_body text := btrim(coalesce(p_body, ''));
  v_vis text := coalesce(p_visibility, 'private');
  v_org uuid;
  v_old app.notes;
  v_new app.notes;
begin
  if p_id is null then
    raise exception using message = 'readings.id_required', errcode = 'P0001';
  elsif v_body = '' then
    raise exception using message = 'readings.note_required', errcode = 'P0001';
  elsif char_length(v_body) > 5000 then
    raise exception using message = 'readings.note_too_long', errcode = 'P0001';
  elsif v_vis not in ('private', 'branch') then
    raise exception using message = 'readings.visibility_invalid', errcode = 'P0001';
  elsif p_base_version is not null and p_base_version < 0 then
    raise exception using message = 'readings.version_invalid', errcode = 'P0001';
  end if;
  if p_reading_id is null or not exists (select 1 from app.readings r where r.id = p_reading_id) then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  if v_vis = 'branch' then
    -- shared with the organisation asked for, else my lowest one (a branch or group before a committee)
    select m.org_id into v_org
      from app.memberships m join app.organisations o on o.id = m.org_id
     where m.user_id = v_uid and m.ended_at is null and (p_org_id is null or m.org_id = p_org_id)
     order by array_length(o.path, 1) desc, o.name
     limit 1;
    if v_org is null then
      raise exception using message = 'readings.share_org_invalid', errcode = 'P0001';
    end if;
  elsif p_org_id is not null then
    raise exception using message = 'readings.share_org_invalid', errcode = 'P0001';
  end if;

  -- the note may exist under this id, or (made on another device) under another id
  select * into v_old from app.notes n
   where n.user_id = v_uid and (n.id = p_id or n.reading_id = p_reading_id)
   order by (n.id = p_id) desc limit 1
   for update;
  if found and v_old.reading_id <> p_reading_id then
    raise exception using message = 'readings.id_conflict', errcode = 'PT409';
  end if;
  if not found then
    if exists (select 1 from app.notes n where n.id = p_id) then
      -- someone else's id (RLS may hide the row itself, but the key is taken)
      raise exception using message = 'readings.id_conflict', errcode = 'PT409';
    end if;
    begin
      insert into app.notes (id, user_id, reading_id, body, visibility, org_id)
      values (p_id, v_uid, p_reading_id, v_body, v_vis, v_org)
      returning * into v_new;
    exception when unique_violation then
      raise exception using message = 'readings.id_conflict', errcode = 'PT409';
    end;
    return jsonb_build_object('note', app.note_json(v_new), 'overwrote_newer', false);
  end if;
  if v_old.body = v_body and v_old.visibility = v_vis and v_old.org_id is not distinct from v_org then
    return jsonb_build_object('note', app.note_json(v_old), 'overwrote_newer', false);
  end if;
  update app.notes n
     set body = v_body, visibility = v_vis, org_id = v_org, version = n.version + 1, updated_at = now()
   where n.id = v_old.id
  returning * into v_new;
  return jsonb_build_object(
    'note', app.note_json(v_new),
    'overwrote_newer', coalesce(p_base_version, 0) < v_old.version);
end
$$;
revoke execute on function public.note_save(uuid, uuid, text, text, integer, uuid) from public, anon;
grant execute on function public.note_save(uuid, uuid, text, text, integer, uuid) to authenticated;

-- Delete my note. Deleting a note that is already gone (a retry) is not an error.
create function public.note_delete(p_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_id is null then
    raise exception using message = 'readings.id_required', errcode = 'P0001';
  end if;
  if exists (select 1 from app.notes n where n.id = p_id and n.user_id <> v_uid) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  delete from app.notes n where n.id = p_id and n.user_id = v_uid;
  return jsonb_build_object('id', p_id, 'deleted', found);
end
$$;
revoke execute on function public.note_delete(uuid) from public, anon;
grant execute on function public.note_delete(uuid) to authenticated;

-- The secretary's view: members of p_org_id among the plan's (default: the highest of the plan's
-- organisations I manage, or the highest one I manage under them) × the plan's readings, sections
-- read per cell, one round trip. 'orgs' lists the organisations the view can switch to.
-- Counts are read (reading_progress, through RLS: only members of organisations I manage), so a
-- view costs members × readings, not the number of ticks.
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
revoke execute on function public.plan_progress(uuid, uuid, jsonb, integer) from public, anon;
grant execute on function public.plan_progress(uuid, uuid, jsonb, integer) to authenticated;

-- What the plan form offers: readings I can see, and organisations I manage (to assign to).
create function public.reading_catalog() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return jsonb_build_object(
    'readings', coalesce((
      select jsonb_agg(jsonb_build_object('id', r.id, 'title', r.title, 'author', r.author, 'org_id', r.org_id,
               'sections', (select count(*) from app.reading_sections s where s.reading_id = r.id))
               order by r.created_at, r.id)
        from app.readings r), '[]'::jsonb),
    'orgs', coalesce((
      select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind)
               order by array_length(o.path, 1), o.sort_order, o.name)
        from app.managed_orgs() o), '[]'::jsonb));
end
$$;
revoke execute on function public.reading_catalog() from public, anon;
grant execute on function public.reading_catalog() to authenticated;

-- A secretary adds a reading for their organisation (the bureau's are county-wide).
create function public.reading_create(
  p_id uuid, p_org_id uuid, p_title text, p_sections jsonb,
  p_author text default '', p_where_to_read text default ''
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_author text := app.readings_text(p_author, 120, false, 'author');
  v_where text := app.readings_text(p_where_to_read, 300, false, 'where');
  v_owner uuid;
begin
  if p_id is null then
    raise exception using message = 'readings.id_required', errcode = 'P0001';
  end if;
  -- a retry of a reading that was created returns it
  select r.created_by into v_owner from app.readings r where r.id = p_id;
  if found then
    if v_owner is distinct from v_uid then
      raise exception using message = 'readings.id_conflict', errcode = 'PT409';
    end if;
    return public.reading_detail(p_id);
  end if;
  if p_org_id is null or not app.can_manage(p_org_id) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  perform app.check_reading_sections(p_sections, false);

  begin
    insert into app.readings (id, org_id, title, author, where_to_read)
    values (p_id, p_org_id, v_title, v_author, v_where);
  exception when unique_violation then
    -- the id is taken by a reading I cannot see
    raise exception using message = 'readings.id_conflict', errcode = 'PT409';
  end;
  insert into app.reading_sections (reading_id, position, title, body_md, where_to_read, est_minutes)
  select p_id, e.position, e.title, e.body_md, e.where_to_read, e.est_minutes
    from app.reading_edit_rows(p_sections) e;
  perform app.audit(p_org_id, 'reading.create', p_id, jsonb_build_object('title', v_title));
  return public.reading_detail(p_id);
end
$$;
revoke execute on function public.reading_create(uuid, uuid, text, jsonb, text, text) from public, anon;
grant execute on function public.reading_create(uuid, uuid, text, jsonb, text, text) to authenticated;

-- What a plan's due date and readings must be, for plan_create and plan_update alike: a due date
-- from today (an edit may keep a past one) to two years on, 1–50 distinct readings, each one that
-- exists and that everyone in p_orgs (the plan's organisations) can see.
create function app.check_plan_input(p_due_on date, p_old_due date, p_reading_ids uuid[], p_orgs uuid[])
returns void
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_n int := coalesce(array_length(p_reading_ids, 1), 0);
begin
  if p_due_on is null then
    raise exception using message = 'readings.due_required', errcode = 'P0001';
  elsif p_due_on < current_date and p_due_on is distinct from p_old_due then
    raise exception using message = 'readings.due_in_past', errcode = 'P0001';
  elsif p_due_on > current_date + 730 then
    raise exception using message = 'readings.due_too_far', errcode = 'P0001';
  end if;
  if v_n = 0 then
    raise exception using message = 'readings.readings_required', errcode = 'P0001';
  elsif v_n > 50 then
    raise exception using message = 'readings.too_many_readings', errcode = 'P0001';
  elsif (select count(distinct x) from unnest(p_reading_ids) x where x is not null) <> v_n then
    raise exception using message = 'readings.readings_duplicate', errcode = 'P0001';
  end if;
  if exists (select 1 from unnest(p_reading_ids) x where not exists (select 1 from app.readings r where r.id = x)) then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  if exists (
    select 1 from unnest(p_reading_ids) x join app.readings r on r.id = x
      cross join unnest(p_orgs) g
     where not exists (select 1 from app.organisations o where o.id = g and r.org_id = any (o.path))
  ) then
    raise exception using message = 'readings.reading_out_of_scope', errcode = 'P0001';
  end if;
end
$$;
revoke execute on function app.check_plan_input(date, date, uuid[], uuid[]) from public;
grant execute on function app.check_plan_input(date, date, uuid[], uuid[]) to authenticated;

-- A secretary assigns readings to organisations they manage (p_org_ids, or the older single
-- p_org_id; the first one owns the plan), due on a date.
create function public.plan_create(
  p_id uuid, p_title text, p_due_on date, p_reading_ids uuid[], p_description text default '',
  p_org_ids uuid[] default null, p_org_id uuid default null
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_desc text := app.readings_text(p_description, 2000, false, 'description');
  v_owner uuid;
  -- in the order given, each once
  v_orgs uuid[] := array(select x from unnest(coalesce(p_org_ids, '{}') || p_org_id) with ordinality u(x, i)
                          where x is not null group by x order by min(i));
begin
  if p_id is null then
    raise exception using message = 'readings.id_required', errcode = 'P0001';
  end if;
  select p.created_by into v_owner from app.study_plans p where p.id = p_id;
  if found then
    if v_owner is distinct from v_uid then
      raise exception using message = 'readings.id_conflict', errcode = 'PT409';
    end if;
    return public.plan_detail(p_id);
  end if;
  if coalesce(array_length(v_orgs, 1), 0) = 0 then
    raise exception using message = 'readings.orgs_required', errcode = 'P0001';
  elsif array_position(p_org_ids, null) is not null
     or exists (select 1 from unnest(v_orgs) x where not app.can_manage(x)) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  perform app.check_plan_input(p_due_on, null, p_reading_ids, v_orgs);

  begin
    insert into app.study_plans (id, org_id, title, description, due_on)
    values (p_id, v_orgs[1], v_title, v_desc, p_due_on);
  exception when unique_violation then
    raise exception using message = 'readings.id_conflict', errcode = 'PT409';
  end;
  -- the first is added by the trigger
  insert into app.plan_orgs (plan_id, org_id) select p_id, x from unnest(v_orgs) x on conflict do nothing;
  insert into app.plan_readings (plan_id, reading_id, position)
  select p_id, x, i::int from unnest(p_reading_ids) with ordinality as u(x, i);
  perform app.audit(v_orgs[1], 'plan.create', p_id,
    jsonb_build_object('title', v_title, 'due_on', p_due_on, 'org_ids', to_jsonb(v_orgs)));
  return public.plan_detail(p_id);
end
$$;
revoke execute on function public.plan_create(uuid, text, date, uuid[], text, uuid[], uuid) from public, anon;
grant execute on function public.plan_create(uuid, text, date, uuid[], text, uuid[], uuid) to authenticated;
grant select on app.reading_progress to authenticated;
grant select, insert on app.readings to authenticated;
grant select, insert on app.reading_sections to authenticated;
grant select, insert on app.study_plans to authenticated;
grant select, insert on app.plan_readings to authenticated;
grant select, insert on app.plan_orgs to authenticated;
grant select, insert, delete on app.section_ticks to authenticated;
grant select, insert, update, delete on app.notes to authenticated;
grant all on app.readings, app.reading_sections, app.study_plans, app.plan_readings, app.plan_orgs,
  app.section_ticks, app.reading_progress, app.notes to service_role;

-- Correcting a study plan: a secretary of every organisation it is for changes its title,
-- description, due date and readings (added, removed, reordered) and archives it. Ticks belong
-- to sections, not to plans, so no edit of a plan touches a member's ticks: a reading taken out
-- and put back shows the same progress. Every change is audited with what it was and became.
-- Archived plans disappear for members (lists, home, reminders) and stay visible to those who
-- manage them, so an archive can be undone.

comment on column app.study_plans.archived_at is 'Set when a secretary archives the plan: members no longer see it.';

-- the plan, if I manage every organisation it is for (a plan for two branches is changed only by
-- someone who manages both)
create function app.plan_for_change(p_plan_id uuid) returns app.study_plans
language plpgsql stable set search_path = '' as $$
declare
  v app.study_plans := app.visible_plan(p_plan_id);
begin
  if exists (select 1 from app.plan_orgs po where po.plan_id = v.id and not app.can_manage(po.org_id)) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  return v;
end
$$;
revoke execute on function app.plan_for_change(uuid) from public;
grant execute on function app.plan_for_change(uuid) to authenticated;

-- The writes of plan_update and plan_archive, across RLS on purpose (members and secretaries
-- have no update on plans, so a direct write stays refused): its first statement checks that
-- the caller manages every organisation of the plan.
create function app.plan_apply(p_plan_id uuid, p_title text, p_description text, p_due_on date,
  p_reading_ids uuid[], p_archived boolean)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  if auth.uid() is null or exists (select 1 from app.plan_orgs po where po.plan_id = p_plan_id and not app.can_manage(po.org_id))
     or not exists (select 1 from app.study_plans p where p.id = p_plan_id) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  if p_title is not null then
    update app.study_plans set title = p_title, description = p_description, due_on = p_due_on where id = p_plan_id;
  end if;
  if p_reading_ids is not null then
    -- positions are unique per plan: write the new order afresh (plan_readings holds nothing else)
    delete from app.plan_readings where plan_id = p_plan_id;
    insert into app.plan_readings (plan_id, reading_id, position)
    select p_plan_id, x, i::int from unnest(p_reading_ids) with ordinality as u(x, i);
  end if;
  if p_archived is not null then
    update app.study_plans set archived_at = case when p_archived then now() end where id = p_plan_id;
  end if;
end
$$;
revoke execute on function app.plan_apply(uuid, text, text, date, uuid[], boolean) from public;
grant execute on function app.plan_apply(uuid, text, text, date, uuid[], boolean) to authenticated;

-- Sets title, description, due date and the readings in the order given. Saving the same twice
-- changes nothing and audits nothing, so a phone may retry it.
create function public.plan_update(p_plan_id uuid, p_title text, p_due_on date, p_reading_ids uuid[],
  p_description text default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_old app.study_plans := app.plan_for_change(p_plan_id);
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_desc text := case when p_description is null then v_old.description else app.readings_text(p_description, 2000, false, 'description') end;
  v_before uuid[] := array(select pr.reading_id from app.plan_readings pr where pr.plan_id = p_plan_id order by pr.position);
begin
  perform app.check_plan_input(p_due_on, v_old.due_on, p_reading_ids,
    array(select po.org_id from app.plan_orgs po where po.plan_id = p_plan_id));

  perform app.plan_apply(p_plan_id,
    case when (v_old.title, v_old.description, v_old.due_on) is distinct from (v_title, v_desc, p_due_on) then v_title end,
    v_desc, p_due_on, case when v_before is distinct from p_reading_ids then p_reading_ids end, null);
  if (v_old.title, v_old.description, v_old.due_on) is distinct from (v_title, v_desc, p_due_on)
     or v_before is distinct from p_reading_ids then
    perform app.audit(v_old.org_id, 'plan.update', p_plan_id, jsonb_build_object(
      'before', jsonb_build_object('title', v_old.title, 'due_on', v_old.due_on, 'reading_ids', to_jsonb(v_before)),
      'after', jsonb_build_object('title', v_title, 'due_on', p_due_on, 'reading_ids', to_jsonb(p_reading_ids))));
  end if;
  return public.plan_detail(p_plan_id);
end
$$;
revoke execute on function public.plan_update(uuid, text, date, uuid[], text) from public, anon;
grant execute on function public.plan_update(uuid, text, date, uuid[], text) to authenticated;

create function public.plan_archive(p_plan_id uuid, p_archived boolean default true) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v app.study_plans := app.plan_for_change(p_plan_id);
begin
  if p_archived is null then
    raise exception using message = 'readings.archived_required', errcode = 'P0001';
  end if;
  if (v.archived_at is not null) <> p_archived then
    perform app.plan_apply(v.id, null, null, null, null, p_archived);
    perform app.audit(v.org_id, case when p_archived then 'plan.archive' else 'plan.unarchive' end, v.id,
      jsonb_build_object('title', v.title));
  end if;
  return jsonb_build_object('id', v.id, 'archived', p_archived);
end
$$;
revoke execute on function public.plan_archive(uuid, boolean) from public, anon;
grant execute on function public.plan_archive(uuid, boolean) to authenticated;

-- RLS ---------------------------------------------------------------------------------------
alter table app.removed_sections enable row level security;
alter table app.removed_section_ticks enable row level security;

-- the same rules as the live rows they were
create policy removed_sections_select on app.removed_sections for select to authenticated
  using (reading_id in (select r.id from app.readings r));

create policy removed_section_ticks_select on app.removed_section_ticks for select to authenticated
  using (
    user_id = (select auth.uid())
    or user_id in (
      select m.user_id from app.memberships m
       where m.ended_at is null and m.org_id in (select app.managed_org_ids()))
  );

-- The reading, if I manage its organisation: not visible → reading_not_found, visible but not
-- mine to change (a county-wide reading for a branch secretary) → not_allowed.
create function app.reading_for_change(p_reading_id uuid) returns app.readings
language plpgsql stable set search_path = '' as $$
declare
  v app.readings;
begin
  select * into v from app.readings r where r.id = p_reading_id;
  if not found then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  if not app.can_manage(v.org_id) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  return v;
end
$$;
revoke execute on function app.reading_for_change(uuid) from public;
grant execute on function app.reading_for_change(uuid) to authenticated;

-- p_sections (already checked) as rows in the given order. A new reading's sections carry no id
-- (the table makes one), so an id is read only where it is one.
create function app.reading_edit_rows(p_sections jsonb)
returns table (id uuid, "position" int, title text, body_md text, where_to_read text, est_minutes int)
language sql immutable set search_path = '' as $$
  select case when (s ->> 'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (s ->> 'id')::uuid end,
         i::int, btrim(s ->> 'title'), nullif(btrim(coalesce(s ->> 'body_md', '')), ''),
         btrim(coalesce(s ->> 'where_to_read', '')),
         case when jsonb_typeof(s -> 'est_minutes') = 'number' then (s ->> 'est_minutes')::int end
    from jsonb_array_elements(p_sections) with ordinality as u(s, i)
$$;
revoke execute on function app.reading_edit_rows(jsonb) from public;
grant execute on function app.reading_edit_rows(jsonb) to authenticated;

-- The writes of reading_update, across RLS on purpose (nobody has update or delete on readings
-- or sections, so a direct write stays refused); its first statement checks the caller manages
-- the reading's organisation. p_sections is already checked: [{id, title, body_md,
-- where_to_read, est_minutes}] in the new order. Returns what changed, for the audit.
create function app.reading_apply(p_reading_id uuid, p_title text, p_author text, p_where text, p_sections jsonb)
returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_removed uuid[];
  v_added uuid[];
  v_edited uuid[];
  v_moved boolean;
begin
  if auth.uid() is null or not exists (select 1 from app.readings r where r.id = p_reading_id and app.can_manage(r.org_id)) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  update app.readings r set title = p_title, author = p_author, where_to_read = p_where
   where r.id = p_reading_id and (r.title, r.author, r.where_to_read) is distinct from (p_title, p_author, p_where);
  if p_sections is null then
    return jsonb_build_object('sections', false);
  end if;

  v_removed := array(select s.id from app.reading_sections s where s.reading_id = p_reading_id
                      and s.id not in (select e.id from app.reading_edit_rows(p_sections) e) order by s.position);
  v_added := array(select e.id from app.reading_edit_rows(p_sections) e
                    where not exists (select 1 from app.reading_sections s where s.id = e.id) order by e.position);
  v_edited := array(select s.id from app.reading_sections s join app.reading_edit_rows(p_sections) e on e.id = s.id
                     where (s.title, s.body_md, s.where_to_read, s.est_minutes)
                           is distinct from (e.title, e.body_md, e.where_to_read, e.est_minutes) order by e.position);
  -- reordered: the kept sections are not in the order they were
  v_moved := array(select s.id from app.reading_sections s where s.reading_id = p_reading_id and s.id <> all (v_removed) order by s.position)
             is distinct from array(select e.id from app.reading_edit_rows(p_sections) e where e.id <> all (v_added) order by e.position);

  -- a removed section and its ticks go to history first: the tick counter's delete trigger
  -- still finds the section to know which reading to count down
  if cardinality(v_removed) > 0 then
    insert into app.removed_sections (id, reading_id, position, title, body_md, where_to_read, est_minutes, removed_by)
    select s.id, s.reading_id, s.position, s.title, s.body_md, s.where_to_read, s.est_minutes, auth.uid()
      from app.reading_sections s where s.id = any (v_removed);
    insert into app.removed_section_ticks (user_id, section_id, read_at)
    select t.user_id, t.section_id, t.read_at from app.section_ticks t where t.section_id = any (v_removed);
    delete from app.section_ticks t where t.section_id = any (v_removed);
    delete from app.reading_sections s where s.id = any (v_removed);
  end if;

  set constraints app.reading_sections_position_key deferred;
  update app.reading_sections s
     set position = e.position, title = e.title, body_md = e.body_md, where_to_read = e.where_to_read, est_minutes = e.est_minutes
    from app.reading_edit_rows(p_sections) e
   where e.id = s.id and s.reading_id = p_reading_id
     and (s.position, s.title, s.body_md, s.where_to_read, s.est_minutes)
         is distinct from (e.position, e.title, e.body_md, e.where_to_read, e.est_minutes);
  insert into app.reading_sections (id, reading_id, position, title, body_md, where_to_read, est_minutes)
  select e.id, p_reading_id, e.position, e.title, e.body_md, e.where_to_read, e.est_minutes
    from app.reading_edit_rows(p_sections) e where e.id = any (v_added);
  set constraints app.reading_sections_position_key immediate;

  return jsonb_build_object('sections', true, 'added', to_jsonb(v_added), 'removed', to_jsonb(v_removed),
    'edited', to_jsonb(v_edited), 'reordered', v_moved);
end
$$;
revoke execute on function app.reading_apply(uuid, text, text, text, jsonb) from public;
grant execute on function app.reading_apply(uuid, text, text, text, jsonb) to authenticated;

-- Sets a reading's title, author, where to read and (unless p_sections is null) its sections
-- (app.reading_apply says how ids keep, add and remove sections).
create function public.reading_update(p_reading_id uuid, p_title text, p_sections jsonb,
  p_author text default null, p_where_to_read text default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_old app.readings := app.reading_for_change(p_reading_id);
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_author text := case when p_author is null then v_old.author else app.readings_text(p_author, 120, false, 'author') end;
  v_where text := case when p_where_to_read is null then v_old.where_to_read else app.readings_text(p_where_to_read, 300, false, 'where') end;
  v_ids uuid[];
  v_changes jsonb;
begin
  if p_sections is not null then
    -- the same rules as reading_create, and an id on every section
    v_ids := app.check_reading_sections(p_sections, true);
    -- an id already used elsewhere (another reading's section, seen or not) is not a new section;
    -- a removed one stays removed (its ticks are history)
    if exists (select 1 from app.removed_sections s where s.id = any (v_ids)) then
      raise exception using message = 'readings.section_removed', errcode = 'PT409';
    end if;
    if app.section_ids_taken(p_reading_id, v_ids) then
      raise exception using message = 'readings.id_conflict', errcode = 'PT409';
    end if;
  end if;

  v_changes := app.reading_apply(p_reading_id, v_title, v_author, v_where, p_sections);
  if (v_old.title, v_old.author, v_old.where_to_read) is distinct from (v_title, v_author, v_where)
     or cardinality(array(select jsonb_array_elements_text(coalesce(v_changes -> 'added', '[]')))) > 0
     or cardinality(array(select jsonb_array_elements_text(coalesce(v_changes -> 'removed', '[]')))) > 0
     or cardinality(array(select jsonb_array_elements_text(coalesce(v_changes -> 'edited', '[]')))) > 0
     or coalesce((v_changes ->> 'reordered')::boolean, false) then
    perform app.audit(v_old.org_id, 'reading.update', p_reading_id, jsonb_build_object(
      'title', v_title,
      'before', jsonb_build_object('title', v_old.title, 'author', v_old.author, 'where_to_read', v_old.where_to_read),
      'after', jsonb_build_object('title', v_title, 'author', v_author, 'where_to_read', v_where))
      || (v_changes - 'sections'));
  end if;
  return public.reading_edit_data(p_reading_id);
end
$$;
revoke execute on function public.reading_update(uuid, text, jsonb, text, text) from public, anon;
grant execute on function public.reading_update(uuid, text, jsonb, text, text) to authenticated;

-- whether any of p_ids is a section of a reading other than p_reading_id (crosses RLS: an id
-- taken by a reading I cannot see is taken all the same; answers nothing else)
create function app.section_ids_taken(p_reading_id uuid, p_ids uuid[]) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from app.reading_sections s where s.id = any (p_ids) and s.reading_id <> p_reading_id)
$$;
revoke execute on function app.section_ids_taken(uuid, uuid[]) from public;
grant execute on function app.section_ids_taken(uuid, uuid[]) to authenticated;

-- What the edit screen shows: the reading with every section's full text, for one who may
-- change it, and how many members ticked each section (so removing a read one is a decision).
create function public.reading_edit_data(p_reading_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v app.readings := app.reading_for_change(p_reading_id);
begin
  return jsonb_build_object(
    'reading', jsonb_build_object('id', v.id, 'title', v.title, 'author', v.author, 'where_to_read', v.where_to_read,
      'org_id', v.org_id, 'org_name', (select o.name from app.organisations o where o.id = v.org_id)),
    'sections', coalesce((
      select jsonb_agg(jsonb_build_object('id', s.id, 'position', s.position, 'title', s.title, 'body_md', s.body_md,
          'where_to_read', s.where_to_read, 'est_minutes', s.est_minutes,
          'readers', (select count(*)::int from app.section_ticks t where t.section_id = s.id))
          order by s.position)
        from app.reading_sections s where s.reading_id = v.id), '[]'::jsonb),
    'removed', (select count(*)::int from app.removed_sections r where r.reading_id = v.id));
end
$$;
revoke execute on function public.reading_edit_data(uuid) from public, anon;
grant execute on function public.reading_edit_data(uuid) to authenticated;

-- What the plan edit screen shows: the plan as plan_detail has it, whether it is archived, for
-- one who may change it (a secretary of every organisation it is for).
create function public.plan_edit_data(p_plan_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v app.study_plans := app.plan_for_change(p_plan_id);
  v_detail jsonb := public.plan_detail(p_plan_id);
begin
  return jsonb_set(v_detail, '{plan}', (v_detail -> 'plan') || jsonb_build_object('archived_at', v.archived_at));
end
$$;
revoke execute on function public.plan_edit_data(uuid) from public, anon;
grant execute on function public.plan_edit_data(uuid) to authenticated;

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

-- functions: the inbox hears a member join ---------------------------------------------------

-- Whatever brings a member in (an invite code at sign-up, a roster row attaching to a verified
-- phone, a member accepting a roster request on 我的, a secretary moving them here), the
-- organisation's own secretaries hear it once (the key is the membership). Rows a seed writes
-- carry no created_by and tell nobody. Joining asks nobody's approval (an invite admits at
-- once), so this is what the secretary has to act on: the new name on the roster.
create function app.inbox_on_membership() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.inbox_add(array(select x from unnest(app.org_secretaries(new.org_id)) x where x <> new.user_id),
    'member_joined', 'member_joined:' || new.id, '/admin/roster',
    jsonb_build_object('org_id', new.org_id, 'membership_id', new.id,
      'org', (select o.name from app.organisations o where o.id = new.org_id),
      'member', (select p.display_name from app.profiles p where p.user_id = new.user_id)));
  return null;
end
$$;
revoke execute on function app.inbox_on_membership() from public;

create trigger memberships_inbox after insert on app.memberships
  for each row when (new.created_by is not null and new.ended_at is null) execute function app.inbox_on_membership();

-- functions: the rule -----------------------------------------------------------------------

-- Reading progress from summaries (#15): what a plan's progress view, the plans list and home
-- show is read from tables kept current by the writes that change them, so that a view costs
-- the page it shows, not the members and ticks below it.
--
--   app.section_counts(s)       the one rule for whether a section's ticks count (every summary
--                               and total goes through it; a removed-section flag plugs in here)
--   app.reading_progress        counted sections ticked per (member, reading)
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

-- Whether ticks on this section count toward progress. Today every section counts.
-- A removed-section flag (the plan/reading edits work) becomes `select p_section.removed_at is null`;
-- the reading_sections trigger below already rebuilds whatever a change of a section touches.
create function app.section_counts(p_section app.reading_sections) returns boolean
language sql immutable set search_path = '' as $$
  select true
$$;
revoke execute on function app.section_counts(app.reading_sections) from public;
grant execute on function app.section_counts(app.reading_sections) to authenticated, service_role;

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
revoke execute on function app.progress_refresh(uuid[], uuid[]) from public;
grant execute on function app.progress_refresh(uuid[], uuid[]) to service_role;

-- What the members p_users (null: all) bring to the counts of each (plan, organisation) of
-- p_plans: how many, how many finished, how many finished each reading.
create function app.progress_contributions(p_plans uuid[], p_users uuid[])
returns table (plan_id uuid, org_id uuid, members int, complete int, full_counts int[])
language sql stable security definer set search_path = '' set jit = off as $$
  -- two branches rather than "p_users is null or …": this function's plan does not know which
  -- case it is, and the disjunction scanned every member of the plan (the province) for one tick;
  -- jit off because the branch not taken is costed as the whole plan
  with mm as (
    select m.plan_id, m.org_id, m.done, m.cells, t.total, t.totals
      from app.plan_org_member m join app.plan_totals t on t.plan_id = m.plan_id
     where m.plan_id = any (p_plans) and p_users is null
    union all
    select m.plan_id, m.org_id, m.done, m.cells, t.total, t.totals
      from app.plan_org_member m join app.plan_totals t on t.plan_id = m.plan_id
     where m.plan_id = any (p_plans) and m.user_id = any (p_users)
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
revoke execute on function app.progress_contributions(uuid[], uuid[]) from public;
grant execute on function app.progress_contributions(uuid[], uuid[]) to service_role;

-- a + sign * b, element by element (b may be shorter or empty)
create function app.progress_int_add(a int[], b int[], sign int) returns int[]
language sql immutable set search_path = '' as $$
  select coalesce(array_agg(x.v + sign * coalesce(b[x.i], 0) order by x.i), '{}')
    from unnest(a) with ordinality x(v, i)
$$;
revoke execute on function app.progress_int_add(integer[], integer[], integer) from public;
grant execute on function app.progress_int_add(integer[], integer[], integer) to service_role;

-- The plans holding any of these readings.
create function app.plans_of_readings(p_readings uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct pr.plan_id), '{}') from app.plan_readings pr where pr.reading_id = any (p_readings)
$$;
revoke execute on function app.plans_of_readings(uuid[]) from public;
grant execute on function app.plans_of_readings(uuid[]) to service_role;

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
revoke execute on function app.reading_progress_recount(uuid[]) from public;
grant execute on function app.reading_progress_recount(uuid[]) to service_role;

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

-- My done/total of a plan, as every screen shows it: from the summaries.
create function app.my_plan_progress(p_plan_id uuid, p_user uuid, out readings int, out total int, out done int)
language sql stable set search_path = '' as $$
  select coalesce(cardinality(t.reading_ids), 0), coalesce(t.total, 0),
         coalesce((select mp.done from app.plan_member_progress mp where mp.plan_id = p_plan_id and mp.user_id = p_user), 0)
    from (select 1) one left join app.plan_totals t on t.plan_id = p_plan_id
$$;
revoke execute on function app.my_plan_progress(uuid, uuid) from public;
grant execute on function app.my_plan_progress(uuid, uuid) to authenticated, service_role;

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
revoke execute on function app.plan_progress_data(uuid, uuid, uuid[], integer, text, uuid, integer) from public;
grant execute on function app.plan_progress_data(uuid, uuid, uuid[], integer, text, uuid, integer) to authenticated;
grant select on app.plan_totals, app.plan_member_progress, app.plan_org_member, app.plan_org_progress to authenticated;
grant select, insert, update, delete on app.plan_totals, app.plan_member_progress, app.plan_org_member,
  app.plan_org_progress to service_role;

-- Sections of a reading: one check and one JSON shape. app.check_reading_sections checks the
-- sections reading_create and reading_update are given, app.section_json is the section that
-- reading_detail and reading_texts return; the rows written come from app.reading_edit_rows for
-- a new reading as for an edit, and the two readers look the reading up with app.reading_or_404.

-- p_sections as the API takes it: 1..100 objects {title, body_md?, where_to_read?, est_minutes?}
-- (and with p_with_ids an id on each, no id twice). Raises the first mistake; returns the ids.
create function app.check_reading_sections(p_sections jsonb, p_with_ids boolean) returns uuid[]
language plpgsql stable set search_path = '' as $$
declare
  v_sec jsonb;
  v_ids uuid[] := '{}';
  v_id uuid;
begin
  if p_sections is null or jsonb_typeof(p_sections) <> 'array' or jsonb_array_length(p_sections) = 0 then
    raise exception using message = 'readings.sections_required', errcode = 'P0001';
  elsif jsonb_array_length(p_sections) > 100 then
    raise exception using message = 'readings.too_many_sections', errcode = 'P0001';
  end if;
  -- every section is checked before anything is written
  for v_sec in select value from jsonb_array_elements(p_sections) loop
    if jsonb_typeof(v_sec) <> 'object'
       or jsonb_typeof(coalesce(v_sec -> 'title', '""')) <> 'string'
       or jsonb_typeof(coalesce(v_sec -> 'body_md', 'null')) not in ('string', 'null')
       or jsonb_typeof(coalesce(v_sec -> 'where_to_read', 'null')) not in ('string', 'null')
       or jsonb_typeof(coalesce(v_sec -> 'est_minutes', 'null')) not in ('number', 'null')
       or (p_with_ids and (jsonb_typeof(coalesce(v_sec -> 'id', 'null')) <> 'string'
           or (v_sec ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')) then
      raise exception using message = 'readings.section_invalid', errcode = 'P0001';
    end if;
    perform app.readings_text(v_sec ->> 'title', 120, true, 'section_title');
    perform app.readings_text(v_sec ->> 'where_to_read', 300, false, 'where');
    if char_length(coalesce(v_sec ->> 'body_md', '')) > 50000 then
      raise exception using message = 'readings.body_too_long', errcode = 'P0001';
    end if;
    if jsonb_typeof(v_sec -> 'est_minutes') = 'number'
       and ((v_sec ->> 'est_minutes')::numeric not between 1 and 600 or (v_sec ->> 'est_minutes')::numeric % 1 <> 0) then
      raise exception using message = 'readings.minutes_invalid', errcode = 'P0001';
    end if;
    if p_with_ids then
      v_id := (v_sec ->> 'id')::uuid;
      if v_id = any (v_ids) then
        raise exception using message = 'readings.section_duplicate', errcode = 'P0001';
      end if;
      v_ids := v_ids || v_id;
    end if;
  end loop;
  return v_ids;
end
$$;
revoke execute on function app.check_reading_sections(jsonb, boolean) from public;
grant execute on function app.check_reading_sections(jsonb, boolean) to authenticated, service_role;

-- A reading I can see (RLS decides), or readings.reading_not_found: reading_detail and reading_texts.
create function app.reading_or_404(p_reading_id uuid) returns app.readings
language plpgsql stable set search_path = '' as $$
declare
  v app.readings;
begin
  select * into v from app.readings r where r.id = p_reading_id;
  if not found then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function app.reading_or_404(uuid) from public;
grant execute on function app.reading_or_404(uuid) to authenticated, service_role;

-- A section as the reader's screens show it: with its text (p_with_body), or whether it has one.
create function app.section_json(p_section app.reading_sections, p_read_at timestamptz, p_with_body boolean) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('id', p_section.id, 'position', p_section.position, 'title', p_section.title,
      'where_to_read', p_section.where_to_read, 'est_minutes', p_section.est_minutes, 'read_at', p_read_at)
    || case when p_with_body then jsonb_build_object('body_md', p_section.body_md)
            else jsonb_build_object('has_text', p_section.body_md is not null) end
$$;
revoke execute on function app.section_json(app.reading_sections, timestamp with time zone, boolean) from public;
grant execute on function app.section_json(app.reading_sections, timestamp with time zone, boolean) to authenticated, service_role;

-- grants ------------------------------------------------------------------------------------
grant select on app.removed_sections, app.removed_section_ticks to authenticated;
grant all on app.removed_sections, app.removed_section_ticks to service_role;

reset check_function_bodies;
