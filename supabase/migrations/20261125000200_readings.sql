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
  constraint reading_sections_position_key unique (reading_id, position)
);
comment on table app.reading_sections is 'The parts of a reading, in order. A section is what a member ticks off.';

create table app.study_plans (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references app.organisations (id),
  title text not null check (char_length(btrim(title)) between 1 and 120),
  description text not null default '' check (char_length(description) <= 2000),
  due_on date not null,
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now()
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
-- notes (user_id) is covered by notes_one_per_reading

-- triggers ----------------------------------------------------------------------------------

-- created_by is whoever inserts; it never changes
create function app.readings_set_created_by() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.created_by := coalesce(auth.uid(), new.created_by);
  return new;
end
$$;

create trigger readings_created_by before insert on app.readings
  for each row execute function app.readings_set_created_by();
create trigger study_plans_created_by before insert on app.study_plans
  for each row execute function app.readings_set_created_by();

-- a plan is always for its own organisation (create_plan adds the others)
create function app.study_plans_own_org() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.plan_orgs (plan_id, org_id) values (new.id, new.org_id) on conflict do nothing;
  return null;
end
$$;

create trigger study_plans_own_org after insert on app.study_plans
  for each row execute function app.study_plans_own_org();

-- reading_progress follows section_ticks, one aggregate per statement (a bulk load stays fast)
create function app.section_ticks_count_insert() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.reading_progress as rp (user_id, reading_id, done)
  select n.user_id, s.reading_id, count(*)::int
    from new_ticks n join app.reading_sections s on s.id = n.section_id
   group by n.user_id, s.reading_id
  on conflict (user_id, reading_id) do update set done = rp.done + excluded.done;
  return null;
end
$$;

create function app.section_ticks_count_delete() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.reading_progress rp set done = greatest(rp.done - d.n, 0)
    from (select o.user_id, s.reading_id, count(*)::int as n
            from old_ticks o join app.reading_sections s on s.id = o.section_id
           group by o.user_id, s.reading_id) d
   where rp.user_id = d.user_id and rp.reading_id = d.reading_id;
  return null;
end
$$;

create trigger section_ticks_count_insert after insert on app.section_ticks
  referencing new table as new_ticks for each statement execute function app.section_ticks_count_insert();
create trigger section_ticks_count_delete after delete on app.section_ticks
  referencing old table as old_ticks for each statement execute function app.section_ticks_count_delete();

-- RLS ---------------------------------------------------------------------------------------

-- The plans I may see: those for any organisation I see. security definer, so that the policies
-- of study_plans and plan_orgs can both ask it without recursing into each other.
create function app.visible_plan_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select distinct po.plan_id from app.plan_orgs po where po.org_id in (select app.visible_org_ids())
$$;
revoke execute on function app.visible_plan_ids() from public, anon;
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
revoke execute on function app.my_reach_org_ids() from public, anon;
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
revoke execute on function app.readings_text(text, int, boolean, text) from public, anon;
grant execute on function app.readings_text(text, int, boolean, text) to authenticated, service_role;

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
revoke execute on function app.visible_plan(uuid) from public, anon;
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
revoke execute on function app.plan_org_list(uuid) from public, anon;
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
revoke execute on function app.note_json(app.notes) from public, anon;
grant execute on function app.note_json(app.notes) to authenticated, service_role;

-- For home_summary(): where to go on reading, and the plan due soonest that I have not finished.
-- continue_reading: the first unticked section (in plan order) of the plan I ticked in last, or,
-- before any tick, of the plan due soonest.
create function app.home_readings() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan uuid;
  v_continue jsonb;
  v_due jsonb;
begin
  with plans as (
    select p.id, p.title, p.due_on,
           count(s.id)::int as total,
           count(t.section_id)::int as done,
           max(t.read_at) as last_read
      from app.study_plans p
      join app.plan_readings pr on pr.plan_id = p.id
      join app.reading_sections s on s.reading_id = pr.reading_id
      left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
     where p.id in (select po.plan_id from app.plan_orgs po where po.org_id in (select app.my_reach_org_ids()))
     group by p.id
  )
  select
    (select jsonb_build_object('id', x.id, 'title', x.title, 'due_on', x.due_on, 'done', x.done, 'total', x.total)
       from plans x where x.done < x.total and x.due_on >= current_date
      order by x.due_on, x.title limit 1),
    coalesce(
      (select x.id from plans x where x.done < x.total and x.last_read is not null order by x.last_read desc limit 1),
      (select x.id from plans x where x.done < x.total order by (x.due_on < current_date), x.due_on, x.title limit 1))
    into v_due, v_plan;

  if v_plan is not null then
    select jsonb_build_object('plan_id', v_plan, 'reading_id', r.id, 'section_id', s.id,
                              'reading_title', r.title, 'section_title', s.title)
      into v_continue
      from app.plan_readings pr
      join app.readings r on r.id = pr.reading_id
      join app.reading_sections s on s.reading_id = r.id
     where pr.plan_id = v_plan
       and not exists (select 1 from app.section_ticks t where t.user_id = v_uid and t.section_id = s.id)
     order by pr.position, s.position
     limit 1;
  end if;
  return jsonb_build_object('continue_reading', v_continue, 'due_plan', v_due);
end
$$;
revoke execute on function app.home_readings() from public, anon;
grant execute on function app.home_readings() to authenticated, service_role;

-- functions: the API ------------------------------------------------------------------------

-- The plans I can see: those that reach me (my organisations and above) and, for secretaries and
-- committee members, those of the organisations below them. With my own progress.
create function public.plans_list() returns jsonb
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
      cross join lateral (
        select count(distinct pr.reading_id)::int as readings, count(s.id)::int as total,
               count(t.section_id)::int as done
          from app.plan_readings pr
          join app.reading_sections s on s.reading_id = pr.reading_id
          left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
         where pr.plan_id = p.id) st
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.plans_list() from public, anon;
grant execute on function public.plans_list() to authenticated;

create function public.plan_detail(p_plan_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan app.study_plans := app.visible_plan(p_plan_id);
begin
  return jsonb_build_object(
    'plan', (select jsonb_build_object(
        'id', v_plan.id, 'title', v_plan.title, 'description', v_plan.description, 'due_on', v_plan.due_on,
        'org_id', v_plan.org_id, 'org_name', po.names, 'org_ids', to_jsonb(po.ids), 'can_manage', po.can_manage)
        from app.plan_org_list(v_plan.id) po),
    'readings', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', r.id, 'title', r.title, 'author', r.author, 'where_to_read', r.where_to_read,
          'position', pr.position, 'total', st.total, 'done', st.done, 'est_minutes', st.minutes,
          'has_text', st.has_text)
          order by pr.position)
        from app.plan_readings pr
        join app.readings r on r.id = pr.reading_id
        cross join lateral (
          select count(*)::int as total, count(t.section_id)::int as done,
                 sum(s.est_minutes)::int as minutes, bool_or(s.body_md is not null) as has_text
            from app.reading_sections s
            left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
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
  v_reading app.readings;
begin
  select * into v_reading from app.readings r where r.id = p_reading_id;
  if not found then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  return jsonb_build_object(
    'reading', jsonb_build_object(
      'id', v_reading.id, 'title', v_reading.title, 'author', v_reading.author,
      'where_to_read', v_reading.where_to_read,
      'est_minutes', (select sum(s.est_minutes)::int from app.reading_sections s where s.reading_id = v_reading.id)),
    'sections', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', s.id, 'position', s.position, 'title', s.title, 'has_text', s.body_md is not null,
          'where_to_read', s.where_to_read, 'est_minutes', s.est_minutes, 'read_at', t.read_at)
          order by s.position)
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
  v_reading app.readings;
begin
  select * into v_reading from app.readings r where r.id = p_reading_id;
  if not found then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  return jsonb_build_object(
    'id', v_reading.id, 'title', v_reading.title, 'author', v_reading.author,
    'where_to_read', v_reading.where_to_read,
    'sections', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', s.id, 'position', s.position, 'title', s.title, 'body_md', s.body_md,
          'where_to_read', s.where_to_read, 'est_minutes', s.est_minutes, 'read_at', t.read_at)
          order by s.position)
        from app.reading_sections s
        left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
       where s.reading_id = v_reading.id), '[]'::jsonb));
end
$$;
revoke execute on function public.reading_texts(uuid) from public, anon;
grant execute on function public.reading_texts(uuid) to authenticated;

create function public.section_text(p_section_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v jsonb;
begin
  select jsonb_build_object(
      'id', s.id, 'reading_id', r.id, 'reading_title', r.title, 'position', s.position, 'title', s.title,
      'body_md', s.body_md, 'where_to_read', s.where_to_read, 'est_minutes', s.est_minutes,
      'read_at', (select t.read_at from app.section_ticks t where t.user_id = v_uid and t.section_id = s.id),
      'prev_id', (select p.id from app.reading_sections p where p.reading_id = r.id and p.position < s.position order by p.position desc limit 1),
      'next_id', (select x.id from app.reading_sections x where x.reading_id = r.id and x.position > s.position order by x.position limit 1))
    into v
    from app.reading_sections s join app.readings r on r.id = s.reading_id
   where s.id = p_section_id;
  if v is null then
    raise exception using message = 'readings.section_not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function public.section_text(uuid) from public, anon;
grant execute on function public.section_text(uuid) to authenticated;

-- Tick (p_read true) or untick a section. Both are idempotent: a re-tick keeps the first time,
-- an untick of an unticked section changes nothing. The phone's clock is trusted for when it
-- was read (ticks made offline arrive later) but never into the future.
create function public.tick_section(p_section_id uuid, p_read boolean, p_client_time timestamptz default null)
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
revoke execute on function public.tick_section(uuid, boolean, timestamptz) from public, anon;
grant execute on function public.tick_section(uuid, boolean, timestamptz) to authenticated;

-- Save my note on a reading (one per reading; p_id is made by the client). Last saved wins:
-- when p_base_version is older than the stored version the note was changed on another device
-- since this one loaded it; it is overwritten all the same and overwrote_newer says so. A retry
-- of a save that already landed (same text) changes nothing.
create function public.save_note(
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
revoke execute on function public.save_note(uuid, uuid, text, text, int, uuid) from public, anon;
grant execute on function public.save_note(uuid, uuid, text, text, int, uuid) to authenticated;

-- Delete my note. Deleting a note that is already gone (a retry) is not an error.
create function public.delete_note(p_id uuid) returns jsonb
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
revoke execute on function public.delete_note(uuid) from public, anon;
grant execute on function public.delete_note(uuid) to authenticated;

-- The secretary's view: members of p_org_id among the plan's (default: the highest of the plan's
-- organisations I manage, or the highest one I manage under them) × the plan's readings, sections
-- read per cell, one round trip. 'orgs' lists the organisations the view can switch to.
-- Counts are read (reading_progress, through RLS: only members of organisations I manage), so a
-- view costs members × readings, not the number of ticks.
create function public.plan_progress(p_plan_id uuid, p_org_id uuid default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan app.study_plans := app.visible_plan(p_plan_id);
  v_org uuid := p_org_id;
  v_plan_orgs uuid[] := array(select po.org_id from app.plan_orgs po where po.plan_id = v_plan.id);
begin
  if v_org is null then
    -- the highest of the plan's organisations I manage, else the highest I manage below them
    select o.id into v_org from app.organisations o
     where o.id in (select app.managed_org_ids()) and o.path && v_plan_orgs
     order by (o.id = any (v_plan_orgs)) desc, array_length(o.path, 1), o.sort_order, o.name
     limit 1;
  end if;
  if v_org is null or not app.can_manage(v_org) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  -- the organisation must be on the line of one of the plan's: below it, or above it
  if not exists (select 1 from app.organisations o where o.id = v_org and o.path && v_plan_orgs)
     and not exists (select 1 from app.organisations o where o.id = any (v_plan_orgs) and o.path @> array[v_org]) then
    raise exception using message = 'readings.org_not_in_plan', errcode = 'P0001';
  end if;

  return (
    with members as (
      -- below v_org and below one of the plan's organisations (the plan reaches everyone below them)
      select distinct on (m.user_id) m.user_id, p.display_name, o.name as org_name
        from app.organisations o
        join app.memberships m on m.org_id = o.id and m.ended_at is null
        join app.profiles p on p.user_id = m.user_id
       where o.path @> array[v_org] and o.path && v_plan_orgs
       order by m.user_id, array_length(o.path, 1) desc
    ),
    rs as (
      select pr.reading_id, pr.position, r.title, count(s.id)::int as total
        from app.plan_readings pr
        join app.readings r on r.id = pr.reading_id
        join app.reading_sections s on s.reading_id = pr.reading_id
       where pr.plan_id = v_plan.id
       group by pr.reading_id, pr.position, r.title
    ),
    done as (
      select rp.user_id, rp.reading_id, rp.done as n
        from members mb
        join app.reading_progress rp on rp.user_id = mb.user_id
       where rp.reading_id in (select reading_id from rs) and rp.done > 0
    ),
    grid as (
      select mb.user_id, mb.display_name, mb.org_name,
             array_agg(coalesce(d.n, 0) order by rs.position) as cells,
             sum(coalesce(d.n, 0))::int as done
        from members mb
        cross join rs
        left join done d on d.user_id = mb.user_id and d.reading_id = rs.reading_id
       group by mb.user_id, mb.display_name, mb.org_name
    )
    select jsonb_build_object(
      'plan', jsonb_build_object('id', v_plan.id, 'title', v_plan.title, 'due_on', v_plan.due_on,
                                 'overdue', v_plan.due_on < current_date),
      'org', (select jsonb_build_object('id', o.id, 'name', o.name) from app.organisations o where o.id = v_org),
      'orgs', coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name)
                    order by array_length(o.path, 1), o.sort_order, o.name)
                  from app.organisations o
                 where o.id = any (v_plan_orgs) and o.id in (select app.managed_org_ids())), '[]'::jsonb),
      'total', (select coalesce(sum(total), 0)::int from rs),
      'readings', coalesce((select jsonb_agg(jsonb_build_object('id', reading_id, 'title', title, 'total', total,
                    'done_members', (select count(*) from done d where d.reading_id = rs.reading_id and d.n >= rs.total)::int)
                    order by position) from rs), '[]'::jsonb),
      'members', coalesce((select jsonb_agg(jsonb_build_object(
                    'user_id', r.user_id, 'name', r.display_name, 'org_name', r.org_name,
                    'cells', to_jsonb(r.cells), 'done', r.done)
                    order by r.done, r.display_name) from grid r), '[]'::jsonb),
      'shared_notes', coalesce((select jsonb_agg(jsonb_build_object(
                    'id', n.id, 'reading_id', n.reading_id, 'author_name', mb.display_name, 'body', n.body,
                    'updated_at', n.updated_at) order by n.updated_at desc)
                  from app.notes n join members mb on mb.user_id = n.user_id
                 where n.visibility = 'branch' and n.reading_id in (select reading_id from rs)), '[]'::jsonb)
    )
  );
end
$$;
revoke execute on function public.plan_progress(uuid, uuid) from public, anon;
grant execute on function public.plan_progress(uuid, uuid) to authenticated;

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
        from app.organisations o
       where o.id in (select app.managed_org_ids()) and o.retired_at is null), '[]'::jsonb));
end
$$;
revoke execute on function public.reading_catalog() from public, anon;
grant execute on function public.reading_catalog() to authenticated;

-- A secretary adds a reading for their organisation (the bureau's are county-wide).
-- p_sections: [{title, body_md?, where_to_read?, est_minutes?}], 1..100 of them.
create function public.create_reading(
  p_id uuid, p_org_id uuid, p_title text, p_sections jsonb,
  p_author text default '', p_where_to_read text default ''
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_author text := app.readings_text(p_author, 120, false, 'author');
  v_where text := app.readings_text(p_where_to_read, 300, false, 'where');
  v_sec jsonb;
  v_i int := 0;
  v_min int;
  v_body text;
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
  if p_sections is null or jsonb_typeof(p_sections) <> 'array' or jsonb_array_length(p_sections) = 0 then
    raise exception using message = 'readings.sections_required', errcode = 'P0001';
  elsif jsonb_array_length(p_sections) > 100 then
    raise exception using message = 'readings.too_many_sections', errcode = 'P0001';
  end if;
  -- validate every section before writing anything
  for v_sec in select value from jsonb_array_elements(p_sections) loop
    if jsonb_typeof(v_sec) <> 'object'
       or jsonb_typeof(coalesce(v_sec -> 'title', '""')) <> 'string'
       or jsonb_typeof(coalesce(v_sec -> 'body_md', 'null')) not in ('string', 'null')
       or jsonb_typeof(coalesce(v_sec -> 'where_to_read', 'null')) not in ('string', 'null')
       or jsonb_typeof(coalesce(v_sec -> 'est_minutes', 'null')) not in ('number', 'null') then
      raise exception using message = 'readings.section_invalid', errcode = 'P0001';
    end if;
    perform app.readings_text(v_sec ->> 'title', 120, true, 'section_title');
    perform app.readings_text(v_sec ->> 'where_to_read', 300, false, 'where');
    if char_length(coalesce(v_sec ->> 'body_md', '')) > 50000 then
      raise exception using message = 'readings.body_too_long', errcode = 'P0001';
    end if;
    if v_sec ? 'est_minutes' and jsonb_typeof(v_sec -> 'est_minutes') = 'number'
       and ((v_sec ->> 'est_minutes')::numeric not between 1 and 600 or (v_sec ->> 'est_minutes')::numeric % 1 <> 0) then
      raise exception using message = 'readings.minutes_invalid', errcode = 'P0001';
    end if;
  end loop;

  begin
    insert into app.readings (id, org_id, title, author, where_to_read)
    values (p_id, p_org_id, v_title, v_author, v_where);
  exception when unique_violation then
    -- the id is taken by a reading I cannot see
    raise exception using message = 'readings.id_conflict', errcode = 'PT409';
  end;
  for v_sec in select value from jsonb_array_elements(p_sections) loop
    v_i := v_i + 1;
    v_min := case when jsonb_typeof(v_sec -> 'est_minutes') = 'number' then (v_sec ->> 'est_minutes')::int end;
    v_body := nullif(btrim(coalesce(v_sec ->> 'body_md', '')), '');
    insert into app.reading_sections (reading_id, position, title, body_md, where_to_read, est_minutes)
    values (p_id, v_i, btrim(v_sec ->> 'title'), v_body, btrim(coalesce(v_sec ->> 'where_to_read', '')), v_min);
  end loop;
  perform app.audit(p_org_id, 'reading.create', p_id, jsonb_build_object('title', v_title));
  return public.reading_detail(p_id);
end
$$;
revoke execute on function public.create_reading(uuid, uuid, text, jsonb, text, text) from public, anon;
grant execute on function public.create_reading(uuid, uuid, text, jsonb, text, text) to authenticated;

-- A secretary assigns readings to organisations they manage (p_org_ids, or the older single
-- p_org_id; the first one owns the plan), due on a date.
create function public.create_plan(
  p_id uuid, p_title text, p_due_on date, p_reading_ids uuid[], p_description text default '',
  p_org_ids uuid[] default null, p_org_id uuid default null
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_desc text := app.readings_text(p_description, 2000, false, 'description');
  v_owner uuid;
  v_n int := coalesce(array_length(p_reading_ids, 1), 0);
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
  if p_due_on is null then
    raise exception using message = 'readings.due_required', errcode = 'P0001';
  elsif p_due_on < current_date then
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
  -- each reading must be one I can see, and one everyone the plan reaches can see
  if exists (select 1 from unnest(p_reading_ids) x where not exists (select 1 from app.readings r where r.id = x)) then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  if exists (
    select 1 from unnest(p_reading_ids) x join app.readings r on r.id = x
      cross join unnest(v_orgs) g
     where not exists (select 1 from app.organisations o where o.id = g and r.org_id = any (o.path))
  ) then
    raise exception using message = 'readings.reading_out_of_scope', errcode = 'P0001';
  end if;

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
revoke execute on function public.create_plan(uuid, text, date, uuid[], text, uuid[], uuid) from public, anon;
grant execute on function public.create_plan(uuid, text, date, uuid[], text, uuid[], uuid) to authenticated;

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.readings_set_created_by() from public, anon;
revoke execute on function app.study_plans_own_org() from public, anon, authenticated;
revoke execute on function app.section_ticks_count_insert(), app.section_ticks_count_delete() from public, anon, authenticated;
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
