-- Correcting a reading (issue #16.4): a secretary of the reading's organisation (the bureau for
-- county-wide ones) changes its title, author, where to read, and its sections — added, edited,
-- reordered, removed. And the secretaries hear when a member joins their organisation.
--
-- Sections keep their ids across edits: an edit updates rows in place, a reorder only rewrites
-- positions, so every tick stays attached to the section it was made on. A removed section moves,
-- with its ticks, to removed_sections / removed_section_ticks (the history): it leaves
-- app.reading_sections, so no count that reads sections (progress, done/total, home, the plan-due
-- reminder, reports, 学时) needs to know about removals, now or in a function written later; the
-- tick counter (reading_progress) drops them through its own delete trigger.

-- tables ------------------------------------------------------------------------------------

-- positions are unique per reading, but a reorder swaps them: checked at the end of the edit
alter table app.reading_sections drop constraint reading_sections_position_key;
alter table app.reading_sections add constraint reading_sections_position_key
  unique (reading_id, position) deferrable initially immediate;

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

-- the inbox tells the secretaries of an organisation that a member joined it
alter table app.inbox_items drop constraint inbox_items_kind_check;
alter table app.inbox_items add constraint inbox_items_kind_check check (kind in ('session_scheduled', 'session_moved',
  'session_cancelled', 'session_tomorrow', 'session_soon', 'leave_approved', 'leave_declined', 'makeup_assigned',
  'plan_assigned', 'plan_due', 'post_quoted', 'topic_closed', 'leave_waiting', 'roster_imported', 'member_joined'));

-- indexes -----------------------------------------------------------------------------------

create index removed_sections_reading_id_idx on app.removed_sections (reading_id);
create index removed_sections_removed_by_idx on app.removed_sections (removed_by);
create index removed_section_ticks_section_id_idx on app.removed_section_ticks (section_id);

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

-- functions: reading edits ------------------------------------------------------------------

create or replace function app.inbox_kinds() returns text[]
language sql immutable set search_path = '' as $$
  select array['session_scheduled', 'session_moved', 'session_cancelled', 'session_tomorrow', 'session_soon',
    'leave_approved', 'leave_declined', 'makeup_assigned', 'plan_assigned', 'plan_due', 'post_quoted',
    'topic_closed', 'leave_waiting', 'roster_imported', 'member_joined']
$$;

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

-- p_sections (already checked) as rows in the new order
create function app.reading_edit_rows(p_sections jsonb)
returns table (id uuid, "position" int, title text, body_md text, where_to_read text, est_minutes int)
language sql immutable set search_path = '' as $$
  select (s ->> 'id')::uuid, i::int, btrim(s ->> 'title'), nullif(btrim(coalesce(s ->> 'body_md', '')), ''),
         btrim(coalesce(s ->> 'where_to_read', '')),
         case when jsonb_typeof(s -> 'est_minutes') = 'number' then (s ->> 'est_minutes')::int end
    from jsonb_array_elements(p_sections) with ordinality as u(s, i)
$$;

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

-- Sets a reading's title, author, where to read and (unless p_sections is null) its sections in
-- the order given: [{id, title, body_md, where_to_read, est_minutes}]. Every section carries an
-- id: a section of this reading is kept (and changed in place), a new id (made by the client)
-- adds a section, a section left out is removed (to history, with its ticks). So the call says
-- the whole new state: a retry, or saving the same twice, changes nothing and audits nothing.
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
  v_sec jsonb;
  v_ids uuid[] := '{}';
  v_id uuid;
  v_changes jsonb;
begin
  if p_sections is not null then
    if jsonb_typeof(p_sections) <> 'array' or jsonb_array_length(p_sections) = 0 then
      raise exception using message = 'readings.sections_required', errcode = 'P0001';
    elsif jsonb_array_length(p_sections) > 100 then
      raise exception using message = 'readings.too_many_sections', errcode = 'P0001';
    end if;
    -- the same rules as create_reading, and an id on every section
    for v_sec in select value from jsonb_array_elements(p_sections) loop
      if jsonb_typeof(v_sec) <> 'object'
         or jsonb_typeof(coalesce(v_sec -> 'title', '""')) <> 'string'
         or jsonb_typeof(coalesce(v_sec -> 'body_md', 'null')) not in ('string', 'null')
         or jsonb_typeof(coalesce(v_sec -> 'where_to_read', 'null')) not in ('string', 'null')
         or jsonb_typeof(coalesce(v_sec -> 'est_minutes', 'null')) not in ('number', 'null')
         or jsonb_typeof(coalesce(v_sec -> 'id', 'null')) <> 'string'
         or (v_sec ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
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
      v_id := (v_sec ->> 'id')::uuid;
      if v_id = any (v_ids) then
        raise exception using message = 'readings.section_duplicate', errcode = 'P0001';
      end if;
      v_ids := v_ids || v_id;
    end loop;
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

-- whether any of p_ids is a section of a reading other than p_reading_id (crosses RLS: an id
-- taken by a reading I cannot see is taken all the same; answers nothing else)
create function app.section_ids_taken(p_reading_id uuid, p_ids uuid[]) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from app.reading_sections s where s.id = any (p_ids) and s.reading_id <> p_reading_id)
$$;

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

create trigger memberships_inbox after insert on app.memberships
  for each row when (new.created_by is not null and new.ended_at is null) execute function app.inbox_on_membership();

-- grants ------------------------------------------------------------------------------------

grant select on app.removed_sections, app.removed_section_ticks to authenticated;
grant all on app.removed_sections, app.removed_section_ticks to service_role;

revoke execute on function app.inbox_kinds() from public, anon;
grant execute on function app.inbox_kinds() to authenticated;
revoke execute on function app.reading_for_change(uuid) from public, anon;
grant execute on function app.reading_for_change(uuid) to authenticated;
revoke execute on function app.reading_edit_rows(jsonb) from public, anon;
grant execute on function app.reading_edit_rows(jsonb) to authenticated;
revoke execute on function app.reading_apply(uuid, text, text, text, jsonb) from public, anon;
grant execute on function app.reading_apply(uuid, text, text, text, jsonb) to authenticated;
revoke execute on function app.section_ids_taken(uuid, uuid[]) from public, anon;
grant execute on function app.section_ids_taken(uuid, uuid[]) to authenticated;
revoke execute on function app.inbox_on_membership() from public, anon, authenticated;
revoke execute on function public.reading_update(uuid, text, jsonb, text, text), public.reading_edit_data(uuid),
  public.plan_edit_data(uuid) from public, anon;
grant execute on function public.reading_update(uuid, text, jsonb, text, text), public.reading_edit_data(uuid),
  public.plan_edit_data(uuid) to authenticated;
