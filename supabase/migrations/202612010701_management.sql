-- Management follow-up (issue #13.2, #14.9): a roster import saves its good rows and lists the
-- bad ones by the row number Excel shows; nothing in its answer tells which phones already have
-- an account; and a person who already has an account is asked, and must accept, before a
-- roster row makes them a member (they may belong to another school).

-- tables ------------------------------------------------------------------------------------

-- The first answer of an import, so that a retry with the same client-made id gets it unchanged.
alter table app.roster_imports add column result jsonb;
comment on column app.roster_imports.result is 'The answer of the import (saved count, bad rows with reasons), returned again to a retry.';

-- A waiting row is also a request to the verified owner of its phone, if there is one: they
-- accept (the row attaches) or decline (the row is deleted and the audit log keeps the answer).

-- RLS ---------------------------------------------------------------------------------------

-- The phone I have proved with an SMS code, as auth.users stores it; null if none. Crosses RLS
-- to read auth.users, only for the caller's own row.
create function app.my_verified_phone() returns text
language sql stable security definer set search_path = '' as $$
  select u.phone from auth.users u
   where u.id = auth.uid() and coalesce(u.phone, '') <> '' and u.phone_confirmed_at is not null
$$;
revoke execute on function app.my_verified_phone() from public, anon;
grant execute on function app.my_verified_phone() to authenticated;

-- Managers see their subtree's rows; the owner of a verified phone sees the rows addressed to it.
drop policy pending_members_select on app.pending_members;
create policy pending_members_select on app.pending_members for select to authenticated
  using (org_id in (select app.managed_org_ids())
         or (attached_at is null and phone = (select app.my_verified_phone())));

-- functions: roster import ------------------------------------------------------------------

-- Per-row problems of a roster file, as stable keys; one entry per row. `row` is the number
-- Excel shows for the row: the row's own `line` when the file reader sent it (it knows about
-- headers and blank rows), else its position after a header row (first data row = 2).
-- `index` is the row's place in p_rows (0-based), for the client to find its row again.
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
    v_result := v_result || jsonb_build_object('index', v_i - 1, 'row', v_line, 'name', v_name, 'phone', v_phone,
      'org_id', v_org, 'role', v_role, 'errors', to_jsonb(v_errors));
  end loop;
  return v_result;
end
$$;

-- Importing no longer attaches existing accounts: they are asked (my_roster_requests).
drop function app.attach_import_existing(uuid);

-- Saves the good rows as waiting roster rows and answers with the bad ones (their Excel row
-- numbers and reasons). The answer is the same whether or not a phone has an account: rows for
-- existing accounts wait for that person to accept, rows for new numbers wait for sign-up, and
-- the secretary cannot tell them apart. A retry with the same id returns the first answer.
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
  insert into app.pending_members (import_id, org_id, phone, display_name, role, invited_by)
  select p_id, (r ->> 'org_id')::uuid, r ->> 'phone', r ->> 'name', r ->> 'role', v_uid
    from jsonb_array_elements(v_good) r
  on conflict (org_id, phone) where attached_at is null
  do update set display_name = excluded.display_name, role = excluded.role,
                import_id = excluded.import_id, invited_by = excluded.invited_by;
  perform app.audit(p_org_id, 'roster.import', p_id,
    jsonb_build_object('rows', jsonb_array_length(v_rows), 'saved', jsonb_array_length(v_good),
                       'bad', jsonb_array_length(v_bad)));
  return v_result;
end
$$;
revoke execute on function public.roster_import(uuid, uuid, jsonb) from public, anon;
grant execute on function public.roster_import(uuid, uuid, jsonb) to authenticated;

-- functions: requests to join ---------------------------------------------------------------

-- Roster rows waiting for my verified phone: which organisation asks, for which role, who asked.
create function app.roster_requests_for_me() returns jsonb
language sql stable security definer set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
      'id', pm.id, 'org_id', o.id, 'org_name', o.name, 'role', pm.role,
      'path_names', (select jsonb_agg(a.name order by array_position(o.path, a.id)) from app.organisations a where a.id = any (o.path)),
      'invited_by_name', ip.display_name, 'created_at', pm.created_at)
      order by pm.created_at, pm.id), '[]'::jsonb)
    from app.pending_members pm
    join app.organisations o on o.id = pm.org_id and o.retired_at is null
    left join app.profiles ip on ip.user_id = pm.invited_by
   where pm.phone = app.my_verified_phone() and pm.attached_at is null
     and auth.uid() is not null
     and not exists (select 1 from app.memberships m where m.org_id = pm.org_id and m.user_id = auth.uid() and m.ended_at is null)
$$;
revoke execute on function app.roster_requests_for_me() from public, anon;
grant execute on function app.roster_requests_for_me() to authenticated;

create function public.my_roster_requests() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return app.roster_requests_for_me();
end
$$;
revoke execute on function public.my_roster_requests() from public, anon;
grant execute on function public.my_roster_requests() to authenticated;

-- Accept (a membership with the row's role, as the secretary who asked) or decline (the row is
-- deleted: nothing of it is left waiting, and a later import may ask again). Crosses RLS on
-- purpose: the person is not a manager of the organisation that asks. Only the verified owner
-- of the row's phone may answer; a retry of the same answer returns the same result (a decline
-- is found again in the audit log), a different answer after the first is a conflict.
create function app.roster_request_answer(p_pending uuid, p_accept boolean) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_phone text := app.my_verified_phone();
  v_pm app.pending_members;
  v_declined app.audit_log;
  v_membership uuid;
begin
  if p_accept is null then
    raise exception using message = 'admin.answer_required', errcode = 'P0001';
  end if;
  select * into v_pm from app.pending_members pm where pm.id = p_pending for update;
  if not found then
    select * into v_declined from app.audit_log a
     where a.action = 'roster.decline' and a.actor_id = v_uid and a.detail ->> 'pending_id' = p_pending::text
     order by a.id desc limit 1;
    if v_declined.id is null then
      raise exception using message = 'admin.request_not_found', errcode = 'PT404';
    elsif p_accept then
      raise exception using message = 'admin.request_answered', errcode = 'PT409';
    end if;
    return jsonb_build_object('id', p_pending, 'org_id', v_declined.org_id, 'accepted', false);
  end if;
  if v_phone is null or v_pm.phone <> v_phone or (v_pm.attached_at is not null and v_pm.attached_user_id <> v_uid) then
    raise exception using message = 'admin.request_not_found', errcode = 'PT404';
  end if;
  if v_pm.attached_at is not null then
    if not p_accept then
      raise exception using message = 'admin.request_answered', errcode = 'PT409';
    end if;
    return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', true);
  end if;
  if not p_accept then
    delete from app.pending_members where id = v_pm.id;
    perform app.audit(v_pm.org_id, 'roster.decline', v_uid, jsonb_build_object('pending_id', v_pm.id));
    return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', false);
  end if;
  if exists (select 1 from app.organisations o where o.id = v_pm.org_id and o.retired_at is not null) then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  insert into app.memberships (org_id, user_id, role, created_by)
  select v_pm.org_id, v_uid, v_pm.role, v_pm.invited_by
   where not exists (select 1 from app.memberships m where m.org_id = v_pm.org_id and m.user_id = v_uid and m.ended_at is null)
  returning id into v_membership;
  update app.pending_members set attached_user_id = v_uid, attached_at = now() where id = v_pm.id;
  perform app.audit(v_pm.org_id, 'roster.accept', v_uid, jsonb_build_object('pending_id', v_pm.id, 'role', v_pm.role, 'membership_id', v_membership));
  return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', true);
end
$$;
revoke execute on function app.roster_request_answer(uuid, boolean) from public, anon;
grant execute on function app.roster_request_answer(uuid, boolean) to authenticated;

create function public.roster_request_answer(p_pending_id uuid, p_accept boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
begin
  return app.roster_request_answer(p_pending_id, p_accept);
end
$$;
revoke execute on function public.roster_request_answer(uuid, boolean) from public, anon;
grant execute on function public.roster_request_answer(uuid, boolean) to authenticated;

-- functions: reports and study hours in the bureau's time -----------------------------------

-- Periods are calendar dates in Asia/Shanghai: a date compared with a timestamptz, and
-- date_trunc('month', …), follow the TimeZone setting, which on Supabase is UTC. Fixing it on
-- the functions that turn dates into instants makes 1 March mean 1 March in the county.
alter function app.report_data(uuid, date, date) set timezone = 'Asia/Shanghai';
alter function app.study_ledger(uuid, uuid, date, date) set timezone = 'Asia/Shanghai';
alter function app.home_admin() set timezone = 'Asia/Shanghai';
