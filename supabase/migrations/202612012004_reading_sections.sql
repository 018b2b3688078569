-- Sections of a reading: one check and one JSON shape (#17). create_reading and reading_update
-- each checked the sections they were given, the same rules written twice (reading_update's
-- comment said so); reading_detail and reading_texts each built a section's JSON. Now
-- app.check_reading_sections and app.section_json are the rules and each function calls them;
-- the rows written come from app.reading_edit_rows for a new reading as for an edit, and the two
-- readers look the reading up with app.reading_or_404. Errors,
-- their order and every answer are unchanged (readings.test.ts, reading-edit.test.ts).

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
revoke execute on function app.check_reading_sections(jsonb, boolean) from public, anon;
grant execute on function app.check_reading_sections(jsonb, boolean) to authenticated, service_role;

-- p_sections (already checked) as rows in the given order. A new reading's sections carry no id
-- (the table makes one), so an id is read only where it is one.
create or replace function app.reading_edit_rows(p_sections jsonb)
returns table (id uuid, "position" int, title text, body_md text, where_to_read text, est_minutes int)
language sql immutable set search_path = '' as $$
  select case when (s ->> 'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (s ->> 'id')::uuid end,
         i::int, btrim(s ->> 'title'), nullif(btrim(coalesce(s ->> 'body_md', '')), ''),
         btrim(coalesce(s ->> 'where_to_read', '')),
         case when jsonb_typeof(s -> 'est_minutes') = 'number' then (s ->> 'est_minutes')::int end
    from jsonb_array_elements(p_sections) with ordinality as u(s, i)
$$;

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
revoke execute on function app.reading_or_404(uuid) from public, anon;
grant execute on function app.reading_or_404(uuid) to authenticated, service_role;

-- A section as the reader's screens show it: with its text (p_with_body), or whether it has one.
create function app.section_json(p_section app.reading_sections, p_read_at timestamptz, p_with_body boolean) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('id', p_section.id, 'position', p_section.position, 'title', p_section.title,
      'where_to_read', p_section.where_to_read, 'est_minutes', p_section.est_minutes, 'read_at', p_read_at)
    || case when p_with_body then jsonb_build_object('body_md', p_section.body_md)
            else jsonb_build_object('has_text', p_section.body_md is not null) end
$$;
revoke execute on function app.section_json(app.reading_sections, timestamptz, boolean) from public, anon;
grant execute on function app.section_json(app.reading_sections, timestamptz, boolean) to authenticated, service_role;

-- A secretary adds a reading for their organisation (the bureau's are county-wide).
create or replace function public.create_reading(
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
revoke execute on function public.create_reading(uuid, uuid, text, jsonb, text, text) from public, anon;
grant execute on function public.create_reading(uuid, uuid, text, jsonb, text, text) to authenticated;

-- Sets a reading's title, author, where to read and (unless p_sections is null) its sections
-- (202612011201_reading_edit.sql says how ids keep, add and remove sections).
create or replace function public.reading_update(p_reading_id uuid, p_title text, p_sections jsonb,
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
    -- the same rules as create_reading, and an id on every section
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

-- A reading with its sections as my checklist, my note, the notes my organisations shared, and
-- the organisations I could share a note with.
create or replace function public.reading_detail(p_reading_id uuid) returns jsonb
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
create or replace function public.reading_texts(p_reading_id uuid) returns jsonb
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
