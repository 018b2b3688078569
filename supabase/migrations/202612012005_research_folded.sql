-- The research parts inside the functions they extend (#17). 202612011601_research_topics_cadre.sql
-- renamed get_session, roster_check_rows and roster_import to *_without_research and wrapped
-- them, so the current definition of each was in two places and a later change to one would
-- have had to know of the other. Here each is the one function again, with the research part
-- inside, and the *_without_research ones are dropped. What each answers is unchanged
-- (supabase/tests/research.test.ts, management.test.ts, sessions.test.ts).

-- A session as its screen shows it, with the research topic of a 专题调研.
create or replace function public.get_session(p_session_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions := app.session_or_404(p_session_id);
  v_run boolean := app.can_run_session(v_s.id);
  v_c app.checkins;
  v_l app.leave_requests;
begin
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
  select * into v_l from app.leave_requests l where l.session_id = v_s.id and l.user_id = v_uid;
  return jsonb_build_object(
    'id', v_s.id, 'org_id', v_s.org_id, 'kind', v_s.kind, 'title', v_s.title,
    'starts_at', v_s.starts_at, 'duration_minutes', v_s.duration_minutes,
    'ends_at', v_s.starts_at + make_interval(mins => v_s.duration_minutes),
    'place', v_s.place, 'checkin_opens_at', v_s.checkin_opens_at, 'checkin_closes_at', v_s.checkin_closes_at,
    'late_after_minutes', v_s.late_after_minutes,
    'cancelled_at', v_s.cancelled_at, 'server_time', now(),
    'org_name', (select o.name from app.organisations o where o.id = v_s.org_id),
    'organiser_id', v_s.organiser_id,
    'organiser_name', (select p.display_name from app.profiles p where p.user_id = v_s.organiser_id),
    'expected_orgs', coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name) order by o.path)
        from app.session_orgs so join app.organisations o on o.id = so.org_id where so.session_id = v_s.id), '[]'::jsonb),
    'invitees', coalesce((select jsonb_agg(jsonb_build_object('user_id', p.user_id, 'display_name', p.display_name) order by p.display_name)
        from app.session_invitees i join app.profiles p on p.user_id = i.user_id where i.session_id = v_s.id), '[]'::jsonb),
    'reading_ids', coalesce((select jsonb_agg(r.reading_id order by r.sort_order)
        from app.session_readings r where r.session_id = v_s.id), '[]'::jsonb),
    'readings', coalesce((select jsonb_agg(jsonb_build_object('id', rd.id, 'title', rd.title) order by r.sort_order)
        from app.session_readings r join app.readings rd on rd.id = r.reading_id where r.session_id = v_s.id), '[]'::jsonb),
    'minutes', jsonb_build_object('topic', v_s.minutes_topic, 'speakers', v_s.minutes_speakers,
        'decisions', v_s.minutes_decisions, 'updated_at', v_s.minutes_updated_at),
    'expected', app.is_expected(v_s.id, v_uid),
    'can_run', v_run,
    'my_status', app.status_of(v_s, v_c.status, v_l.status),
    'my_checkin', case when v_c.id is null then null else app.checkin_json(v_c) end,
    'my_leave', case when v_l.id is null then null else jsonb_build_object('id', v_l.id, 'status', v_l.status,
        'reason', v_l.reason, 'created_at', v_l.created_at, 'decided_at', v_l.decided_at) end,
    'makeup_completed_at', (select m.completed_at from app.makeups m where m.session_id = v_s.id and m.user_id = v_uid),
    'counts', case when v_run then app.session_counts(v_s.id) else null end,
    -- the research topic a 专题调研 works on (null for other kinds, even if one was linked
    -- before its kind was changed)
    'research_topic', case when v_s.kind = 'research' then (
        select jsonb_build_object('id', t.id, 'title', t.title, 'brief', t.brief, 'org_name', o.name)
          from app.research_topic_sessions l
          join app.research_topics t on t.id = l.topic_id
          join app.organisations o on o.id = t.org_id
         where l.session_id = v_s.id) end);
end
$$;
revoke execute on function public.get_session(uuid) from public, anon;
grant execute on function public.get_session(uuid) to authenticated;

-- Checks roster rows: name, phone (app.normalise_phone), organisation, role, and the cadre flag.
create or replace function app.roster_check_rows(p_org uuid, p_rows jsonb) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_result jsonb := '[]';
  v_row jsonb;
  v_i int := 0;
  v_line int;
  v_errors text[];
  v_name text;
  v_phone text;
  v_role text;
  v_org_name text;
  v_org uuid;
  v_orgs int;
  v_seen text[] := '{}';
  v_cadre boolean;
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
    raise exception using message = 'admin.rows_invalid', errcode = 'P0001';
  end if;
  if jsonb_array_length(p_rows) = 0 then
    raise exception using message = 'admin.rows_empty', errcode = 'P0001';
  end if;
  if jsonb_array_length(p_rows) > 2000 then
    raise exception using message = 'admin.rows_too_many', errcode = 'P0001';
  end if;
  for v_row in select value from jsonb_array_elements(p_rows) loop
    v_i := v_i + 1;
    v_errors := '{}';
    v_org := null;
    v_line := v_i + 1;
    if jsonb_typeof(v_row) = 'object' and jsonb_typeof(v_row -> 'line') = 'number'
       and (v_row ->> 'line') ~ '^[0-9]{1,7}$' and (v_row ->> 'line')::int >= 1 then
      v_line := (v_row ->> 'line')::int;
    end if;
    if jsonb_typeof(v_row) <> 'object' then
      v_result := v_result || jsonb_build_object('index', v_i - 1, 'row', v_line, 'errors', jsonb_build_array('row_invalid'));
      continue;
    end if;
    v_name := btrim(coalesce(v_row ->> 'name', ''));
    v_phone := app.normalise_phone(v_row ->> 'phone');
    v_role := app.parse_role(v_row ->> 'role');
    v_org_name := btrim(coalesce(v_row ->> 'org', ''));
    if v_name = '' then
      v_errors := array_append(v_errors, 'name_required');
    elsif char_length(v_name) > 40 then
      v_errors := array_append(v_errors, 'name_too_long');
    end if;
    if btrim(coalesce(v_row ->> 'phone', '')) = '' then
      v_errors := array_append(v_errors, 'phone_required');
    elsif v_phone is null then
      v_errors := array_append(v_errors, 'phone_invalid');
    elsif v_phone = any (v_seen) then
      v_errors := array_append(v_errors, 'phone_duplicate');
    else
      v_seen := array_append(v_seen, v_phone);
    end if;
    if v_org_name = '' then
      v_org := p_org;
    else
      select count(*), min(o.id::text)::uuid into v_orgs, v_org
        from app.organisations o
       where o.path @> array[p_org] and o.retired_at is null and o.name = v_org_name;
      if v_orgs = 0 then
        v_errors := array_append(v_errors, 'org_not_found');
      elsif v_orgs > 1 then
        v_errors := array_append(v_errors, 'org_ambiguous');
        v_org := null;
      end if;
    end if;
    if v_role is null then
      v_errors := array_append(v_errors, 'role_invalid');
    elsif v_org is not null and app.rank_of(v_role) > app.org_rank(v_org) then
      v_errors := array_append(v_errors, 'role_above_own');
    end if;
    -- Only members of an organisation the caller manages (and so already sees with phones):
    -- this tells nothing about accounts elsewhere.
    if v_phone is not null and v_org is not null and exists (
      select 1 from app.memberships m join app.profile_contacts c on c.user_id = m.user_id
       where m.org_id = v_org and m.ended_at is null and c.phone = v_phone
    ) then
      v_errors := array_append(v_errors, 'already_member');
    end if;
    -- the 副校级以上干部 column (research, #18): a value parse_cadre does not know is a mistake
    v_cadre := app.parse_cadre(v_row ->> 'cadre');
    if v_cadre is null then
      v_errors := array_append(v_errors, 'cadre_invalid');
    end if;
    v_result := v_result || jsonb_build_object('index', v_i - 1, 'row', v_line, 'name', v_name, 'phone', v_phone,
      'org_id', v_org, 'role', v_role, 'errors', to_jsonb(v_errors), 'is_cadre', v_cadre);
  end loop;
  return v_result;
end
$$;
revoke execute on function app.roster_check_rows(uuid, jsonb) from public, anon;
grant execute on function app.roster_check_rows(uuid, jsonb) to authenticated, service_role;

-- Saves the rows that pass (with their cadre flag); a retry answers the first result.
create or replace function public.roster_import(p_id uuid, p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_rows jsonb;
  v_good jsonb;
  v_bad jsonb;
  v_done app.roster_imports;
  v_result jsonb;
begin
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_done from app.roster_imports i where i.id = p_id;
  if found then
    if v_done.org_id <> p_org_id or v_done.created_by is distinct from v_uid then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return coalesce(v_done.result, jsonb_build_object('import_id', v_done.id, 'saved', v_done.row_count, 'bad', '[]'::jsonb));
  end if;
  v_rows := app.roster_check_rows(p_org_id, p_rows);
  select coalesce(jsonb_agg(r order by (r ->> 'index')::int) filter (where jsonb_array_length(r -> 'errors') = 0), '[]'),
         coalesce(jsonb_agg(jsonb_build_object('index', r -> 'index', 'row', r -> 'row', 'errors', r -> 'errors')
                            order by (r ->> 'index')::int) filter (where jsonb_array_length(r -> 'errors') > 0), '[]')
    into v_good, v_bad
    from jsonb_array_elements(v_rows) r;
  v_result := jsonb_build_object('import_id', p_id, 'total', jsonb_array_length(v_rows),
    'saved', jsonb_array_length(v_good), 'bad', v_bad);
  insert into app.roster_imports (id, org_id, created_by, row_count, result)
  values (p_id, p_org_id, v_uid, jsonb_array_length(v_rows), v_result);
  insert into app.pending_members (import_id, org_id, phone, display_name, role, invited_by, is_cadre)
  select p_id, (r ->> 'org_id')::uuid, r ->> 'phone', r ->> 'name', r ->> 'role', v_uid, (r ->> 'is_cadre')::boolean
    from jsonb_array_elements(v_good) r
  on conflict (org_id, phone) where attached_at is null
  do update set display_name = excluded.display_name, role = excluded.role,
                import_id = excluded.import_id, invited_by = excluded.invited_by, is_cadre = excluded.is_cadre;
  perform app.audit(p_org_id, 'roster.import', p_id,
    jsonb_build_object('rows', jsonb_array_length(v_rows), 'saved', jsonb_array_length(v_good),
                       'bad', jsonb_array_length(v_bad)));
  return v_result;
end
$$;
revoke execute on function public.roster_import(uuid, uuid, jsonb) from public, anon;
grant execute on function public.roster_import(uuid, uuid, jsonb) to authenticated;

drop function app.get_session_without_research(uuid);
drop function app.roster_check_rows_without_research(uuid, jsonb);
drop function app.roster_import_without_research(uuid, uuid, jsonb);
