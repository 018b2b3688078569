-- Management: the organisation tree (bureau admins), rosters and roles (secretaries), roster
-- import into pending members attached at sign-up, invites, the audit log, reports and study
-- hours (学时). Core owns organisations, memberships, invites and the audit log; this area adds
-- the API over them and the pending members of an imported roster.

-- types -------------------------------------------------------------------------------------

-- tables ------------------------------------------------------------------------------------

create table app.roster_imports (
  id uuid primary key,
  org_id uuid not null references app.organisations (id),
  created_by uuid references app.profiles (user_id) on delete set null,
  row_count int not null check (row_count between 1 and 2000),
  created_at timestamptz not null default now()
);
comment on table app.roster_imports is 'One saved roster import; its client-made id makes a retried import a no-op.';

create table app.pending_members (
  id uuid primary key default gen_random_uuid(),
  import_id uuid references app.roster_imports (id) on delete set null,
  org_id uuid not null references app.organisations (id),
  -- as auth.users stores it: digits only, mainland numbers with the 86 prefix
  phone text not null check (phone ~ '^[0-9]{6,15}$'),
  display_name text not null check (char_length(btrim(display_name)) between 1 and 40),
  role text not null default 'member' check (role in ('member', 'committee', 'secretary')),
  invited_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  attached_user_id uuid references app.profiles (user_id) on delete set null,
  attached_at timestamptz,
  constraint pending_members_attached_together check ((attached_at is null) or (attached_user_id is not null))
);
comment on table app.pending_members is 'Roster rows imported by a secretary, waiting for the person to sign up with that phone number.';

-- indexes -----------------------------------------------------------------------------------

create index roster_imports_org_id_idx on app.roster_imports (org_id);
create index roster_imports_created_by_idx on app.roster_imports (created_by);
create unique index pending_members_waiting_idx on app.pending_members (org_id, phone) where attached_at is null;
create index pending_members_phone_idx on app.pending_members (phone) where attached_at is null;
create index pending_members_import_id_idx on app.pending_members (import_id);
create index pending_members_invited_by_idx on app.pending_members (invited_by);
create index pending_members_attached_user_id_idx on app.pending_members (attached_user_id);
create index audit_log_at_id_idx on app.audit_log (id desc);
create index audit_log_action_idx on app.audit_log (action, id desc);

-- triggers ----------------------------------------------------------------------------------

-- A new account takes the places its phone number was given on imported rosters. Named to
-- fire after core's on_auth_user_created (alphabetical order), which makes the profile first.
create function app.attach_pending_on_signup() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if coalesce(new.phone, '') = '' then
    return new;
  end if;
  perform app.attach_pending_phone(new.phone, new.id);
  return new;
end
$$;

-- Attaches every waiting roster row with this phone to the user (memberships made, rows marked).
create function app.attach_pending_phone(p_phone text, p_user uuid) returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_n int := 0;
  r record;
begin
  if not exists (select 1 from app.profiles p where p.user_id = p_user) then
    return 0;
  end if;
  for r in
    select pm.* from app.pending_members pm
      join app.organisations o on o.id = pm.org_id
     where pm.phone = p_phone and pm.attached_at is null and o.retired_at is null
     order by pm.created_at
     for update of pm
  loop
    insert into app.memberships (org_id, user_id, role, created_by)
    select r.org_id, p_user, r.role, r.invited_by
     where not exists (select 1 from app.memberships m
                        where m.org_id = r.org_id and m.user_id = p_user and m.ended_at is null);
    update app.pending_members set attached_user_id = p_user, attached_at = now() where id = r.id;
    v_n := v_n + 1;
  end loop;
  return v_n;
end
$$;

create trigger on_auth_user_created_pending_members after insert on auth.users
  for each row execute function app.attach_pending_on_signup();

-- RLS ---------------------------------------------------------------------------------------

alter table app.roster_imports enable row level security;
alter table app.pending_members enable row level security;

create policy roster_imports_select on app.roster_imports for select to authenticated
  using (org_id in (select app.managed_org_ids()));
create policy roster_imports_insert on app.roster_imports for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and created_by = (select auth.uid()));

create policy pending_members_select on app.pending_members for select to authenticated
  using (org_id in (select app.managed_org_ids()));
create policy pending_members_insert on app.pending_members for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id)
              and invited_by = (select auth.uid()) and attached_at is null);
create policy pending_members_update on app.pending_members for update to authenticated
  using (org_id in (select app.managed_org_ids()) and attached_at is null)
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id));
create policy pending_members_delete on app.pending_members for delete to authenticated
  using (org_id in (select app.managed_org_ids()) and attached_at is null);

-- functions: helpers ------------------------------------------------------------------------

-- Which kinds of organisation may sit directly under which.
create function app.org_kind_allowed(p_parent_kind text, p_kind text) returns boolean
language sql immutable set search_path = '' as $$
  select case p_parent_kind
    when 'bureau' then p_kind in ('committee', 'general_branch', 'branch')
    when 'committee' then p_kind in ('general_branch', 'branch')
    when 'general_branch' then p_kind = 'branch'
    when 'branch' then p_kind = 'group'
    else false
  end
$$;

-- '+86 138-0000-0004', '13800000004', '8613800000004' → '8613800000004'; null when not a phone.
create function app.normalise_phone(p_phone text) returns text
language sql immutable set search_path = '' as $$
  select case
    when v ~ '^1[3-9][0-9]{9}$' then '86' || v
    when v ~ '^861[3-9][0-9]{9}$' then v
    else null
  end
  from (select regexp_replace(coalesce(p_phone, ''), '[\s+()-]', '', 'g') as v) x
$$;

-- Role words accepted in a roster file: the API's keys and the Chinese a secretary types.
create function app.parse_role(p_role text) returns text
language sql immutable set search_path = '' as $$
  select case lower(btrim(coalesce(p_role, '')))
    when '' then 'member' when 'member' then 'member' when '党员' then 'member' when '成员' then 'member'
    when 'committee' then 'committee' when '委员' then 'committee' when '支委' then 'committee'
    when 'secretary' then 'secretary' when '书记' then 'secretary'
    else null
  end
$$;

create function app.require_admin() returns uuid
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if not app.is_bureau_admin() then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  return v_uid;
end
$$;

-- The caller must manage p_org: unknown or invisible → not found, visible but not managed → forbidden.
create function app.require_manage(p_org uuid) returns uuid
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_org is null or not exists (select 1 from app.organisations o where o.id = p_org) then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if not app.can_manage(p_org) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  return v_uid;
end
$$;

create function app.org_json(p_org app.organisations) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p_org.id, 'parent_id', p_org.parent_id, 'kind', p_org.kind,
    'name', p_org.name, 'depth', cardinality(p_org.path) - 1, 'sort_order', p_org.sort_order,
    'retired_at', p_org.retired_at)
$$;

-- Per-row problems of a roster file, as stable keys; one entry per row.
create function app.roster_check_rows(p_org uuid, p_rows jsonb) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_result jsonb := '[]';
  v_row jsonb;
  v_i int := 0;
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
    if jsonb_typeof(v_row) <> 'object' then
      v_result := v_result || jsonb_build_object('row', v_i, 'errors', jsonb_build_array('row_invalid'));
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
    if v_phone is not null and v_org is not null and exists (
      select 1 from app.memberships m join app.profile_contacts c on c.user_id = m.user_id
       where m.org_id = v_org and m.ended_at is null and c.phone = v_phone
    ) then
      v_errors := array_append(v_errors, 'already_member');
    end if;
    v_result := v_result || jsonb_build_object('row', v_i, 'name', v_name, 'phone', v_phone,
      'org_id', v_org, 'role', v_role, 'errors', to_jsonb(v_errors));
  end loop;
  return v_result;
end
$$;

-- Attaches waiting roster rows of p_import to accounts that already exist with that phone.
-- Crosses RLS to read auth.users; only for an import the caller made in an organisation they manage.
create function app.attach_import_existing(p_import uuid) returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_n int := 0;
  r record;
begin
  if not exists (select 1 from app.roster_imports i
                  where i.id = p_import and i.created_by = auth.uid()
                    and i.org_id in (select app.managed_org_ids())) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  for r in
    select distinct u.phone, u.id from app.pending_members pm join auth.users u on u.phone = pm.phone
     where pm.import_id = p_import and pm.attached_at is null
  loop
    v_n := v_n + app.attach_pending_phone(r.phone, r.id);
  end loop;
  return v_n;
end
$$;

revoke execute on function app.attach_pending_on_signup(), app.attach_pending_phone(text, uuid),
  app.org_kind_allowed(text, text), app.normalise_phone(text), app.parse_role(text), app.require_admin(),
  app.require_manage(uuid), app.org_json(app.organisations), app.roster_check_rows(uuid, jsonb),
  app.attach_import_existing(uuid) from public, anon;
grant execute on function app.org_kind_allowed(text, text), app.normalise_phone(text), app.parse_role(text),
  app.require_admin(), app.require_manage(uuid), app.org_json(app.organisations),
  app.roster_check_rows(uuid, jsonb), app.attach_import_existing(uuid) to authenticated;

-- functions: the organisation tree ---------------------------------------------------------

-- Organisations I manage (all of them for a bureau admin), flat, parents before children.
create function public.org_tree(p_include_retired boolean default false) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return coalesce((
    select jsonb_agg(app.org_json(o) || jsonb_build_object(
        'member_count', (select count(*) from app.memberships m where m.org_id = o.id and m.ended_at is null),
        'path_names', (select jsonb_agg(a.name order by array_position(o.path, a.id)) from app.organisations a where a.id = any (o.path)))
        order by o.path)
      from app.organisations o
     where o.id in (select app.managed_org_ids())
       and (coalesce(p_include_retired, false) or o.retired_at is null)
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.org_tree(boolean) from public, anon;
grant execute on function public.org_tree(boolean) to authenticated;

create function app.check_org_name(p_name text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  v_name text := btrim(coalesce(p_name, ''));
begin
  if v_name = '' then
    raise exception using message = 'admin.name_required', errcode = 'P0001';
  elsif char_length(v_name) > 60 then
    raise exception using message = 'admin.name_too_long', errcode = 'P0001';
  end if;
  return v_name;
end
$$;
revoke execute on function app.check_org_name(text) from public, anon;
grant execute on function app.check_org_name(text) to authenticated;

create function public.org_create(p_id uuid, p_parent_id uuid, p_kind text, p_name text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_name text;
  v_parent app.organisations;
  v_org app.organisations;
begin
  perform app.require_admin();
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_org from app.organisations o where o.id = p_id;
  if found then
    -- a retry of the same create returns the first result
    if v_org.parent_id is distinct from p_parent_id or v_org.kind <> p_kind then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return app.org_json(v_org);
  end if;
  v_name := app.check_org_name(p_name);
  if p_kind is null or p_kind not in ('committee', 'general_branch', 'branch', 'group') then
    raise exception using message = 'admin.kind_invalid', errcode = 'P0001';
  end if;
  select * into v_parent from app.organisations o where o.id = p_parent_id;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_parent.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if not app.org_kind_allowed(v_parent.kind, p_kind) then
    raise exception using message = 'admin.kind_not_allowed', errcode = 'P0001';
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = p_parent_id and o.name = v_name and o.retired_at is null) then
    raise exception using message = 'admin.name_taken', errcode = 'PT409';
  end if;
  insert into app.organisations (id, parent_id, kind, name, sort_order)
  values (p_id, p_parent_id, p_kind, v_name,
          (select coalesce(max(o.sort_order), 0) + 1 from app.organisations o where o.parent_id = p_parent_id));
  -- not `returning`: the select policy's helper reads the tree as it was before this statement
  select * into v_org from app.organisations o where o.id = p_id;
  perform app.audit(v_org.id, 'org.create', v_org.id, jsonb_build_object('name', v_name, 'kind', p_kind, 'parent_id', p_parent_id));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_create(uuid, uuid, text, text) from public, anon;
grant execute on function public.org_create(uuid, uuid, text, text) to authenticated;

-- the organisation to change: it must exist and be below the bureau committee (the root stays)
create function app.org_for_change(p_org uuid) returns app.organisations
language plpgsql stable set search_path = '' as $$
declare
  v_org app.organisations;
begin
  select * into v_org from app.organisations o where o.id = p_org;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_org.parent_id is null then
    raise exception using message = 'admin.org_is_root', errcode = 'P0001';
  end if;
  return v_org;
end
$$;
revoke execute on function app.org_for_change(uuid) from public, anon;
grant execute on function app.org_for_change(uuid) to authenticated;

create function public.org_rename(p_org_id uuid, p_name text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
  v_name text;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  v_name := app.check_org_name(p_name);
  if v_org.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if v_name = v_org.name then
    return app.org_json(v_org);
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = v_org.parent_id and o.name = v_name
               and o.retired_at is null and o.id <> v_org.id) then
    raise exception using message = 'admin.name_taken', errcode = 'PT409';
  end if;
  update app.organisations set name = v_name where id = v_org.id returning * into v_org;
  perform app.audit(v_org.id, 'org.rename', v_org.id, jsonb_build_object('name', v_name));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_rename(uuid, text) from public, anon;
grant execute on function public.org_rename(uuid, text) to authenticated;

create function public.org_move(p_org_id uuid, p_parent_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
  v_parent app.organisations;
  v_from uuid;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  if v_org.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  select * into v_parent from app.organisations o where o.id = p_parent_id;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_parent.id = v_org.parent_id then
    return app.org_json(v_org);
  end if;
  if v_parent.path @> array[v_org.id] then
    raise exception using message = 'admin.org_cycle', errcode = 'P0001';
  end if;
  if v_parent.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if not app.org_kind_allowed(v_parent.kind, v_org.kind) then
    raise exception using message = 'admin.kind_not_allowed', errcode = 'P0001';
  end if;
  v_from := v_org.parent_id;
  update app.organisations set parent_id = v_parent.id where id = v_org.id returning * into v_org;
  perform app.audit(v_org.id, 'org.move', v_org.id, jsonb_build_object('from', v_from, 'to', v_parent.id));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_move(uuid, uuid) from public, anon;
grant execute on function public.org_move(uuid, uuid) to authenticated;

-- Retiring keeps the organisation, its memberships' history and everything done in it; it must
-- be emptied first (children retired or moved, members moved or removed), and its invites stop.
create function public.org_retire(p_org_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  if v_org.retired_at is not null then
    return app.org_json(v_org);
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = v_org.id and o.retired_at is null) then
    raise exception using message = 'admin.org_has_children', errcode = 'PT409';
  end if;
  if exists (select 1 from app.memberships m where m.org_id = v_org.id and m.ended_at is null) then
    raise exception using message = 'admin.org_has_members', errcode = 'PT409';
  end if;
  update app.organisations set retired_at = now() where id = v_org.id returning * into v_org;
  update app.invites set revoked_at = now() where org_id = v_org.id and revoked_at is null;
  delete from app.pending_members where org_id = v_org.id and attached_at is null;
  perform app.audit(v_org.id, 'org.retire', v_org.id, jsonb_build_object('name', v_org.name));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_retire(uuid) from public, anon;
grant execute on function public.org_retire(uuid) to authenticated;

-- functions: rosters and roles --------------------------------------------------------------

-- Members of the organisation and everything below it, and the roster rows still waiting.
create function public.roster(p_org_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
begin
  return jsonb_build_object(
    'org_id', p_org_id,
    'my_rank', app.org_rank(p_org_id),
    'members', coalesce((
      select jsonb_agg(jsonb_build_object(
          'membership_id', m.id, 'user_id', m.user_id, 'display_name', p.display_name,
          'school', p.school, 'position', p.position, 'phone', c.phone, 'role', m.role,
          'org_id', o.id, 'org_name', o.name, 'joined_at', m.joined_at, 'is_me', m.user_id = v_uid)
          order by o.path, app.rank_of(m.role) desc, p.display_name)
        from app.memberships m
        join app.organisations o on o.id = m.org_id
        join app.profiles p on p.user_id = m.user_id
        left join app.profile_contacts c on c.user_id = m.user_id
       where o.path @> array[p_org_id] and m.ended_at is null), '[]'::jsonb),
    'pending', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', pm.id, 'display_name', pm.display_name, 'phone', pm.phone, 'role', pm.role,
          'org_id', o.id, 'org_name', o.name, 'created_at', pm.created_at)
          order by o.path, pm.display_name)
        from app.pending_members pm join app.organisations o on o.id = pm.org_id
       where o.path @> array[p_org_id] and pm.attached_at is null), '[]'::jsonb)
  );
end
$$;
revoke execute on function public.roster(uuid) from public, anon;
grant execute on function public.roster(uuid) to authenticated;

-- A membership the caller may change: active, in an organisation they manage, someone whose
-- role is not above theirs, not themselves.
create function app.membership_for_change(p_membership uuid) returns app.memberships
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_m app.memberships;
begin
  select * into v_m from app.memberships m where m.id = p_membership and m.ended_at is null;
  if not found or v_m.org_id not in (select app.managed_org_ids()) then
    raise exception using message = 'admin.member_not_found', errcode = 'PT404';
  end if;
  if v_m.user_id = v_uid then
    raise exception using message = 'admin.self', errcode = 'P0001';
  end if;
  if app.rank_of(v_m.role) > app.org_rank(v_m.org_id) then
    raise exception using message = 'admin.role_above_own', errcode = '42501';
  end if;
  return v_m;
end
$$;
revoke execute on function app.membership_for_change(uuid) from public, anon;
grant execute on function app.membership_for_change(uuid) to authenticated;

create function public.member_set_role(p_membership_id uuid, p_role text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_m app.memberships := app.membership_for_change(p_membership_id);
begin
  if p_role is null or p_role not in ('member', 'committee', 'secretary', 'admin') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if app.rank_of(p_role) > app.org_rank(v_m.org_id) then
    raise exception using message = 'admin.role_above_own', errcode = '42501';
  end if;
  if p_role = 'admin' and not exists (select 1 from app.organisations o where o.id = v_m.org_id and o.kind = 'bureau') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if p_role <> v_m.role then
    update app.memberships set role = p_role where id = v_m.id;
    perform app.audit(v_m.org_id, 'member.set_role', v_m.user_id,
      jsonb_build_object('membership_id', v_m.id, 'from', v_m.role, 'to', p_role));
  end if;
  return jsonb_build_object('membership_id', v_m.id, 'role', p_role);
end
$$;
revoke execute on function public.member_set_role(uuid, text) from public, anon;
grant execute on function public.member_set_role(uuid, text) to authenticated;

-- A move ends the old membership (history kept) and starts one in the new organisation.
create function public.member_move(p_membership_id uuid, p_to_org_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_m app.memberships := app.membership_for_change(p_membership_id);
  v_to app.organisations;
  v_new uuid;
begin
  select * into v_to from app.organisations o where o.id = p_to_org_id;
  if not found or v_to.id not in (select app.managed_org_ids()) then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_to.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if v_to.id = v_m.org_id then
    raise exception using message = 'admin.same_org', errcode = 'P0001';
  end if;
  if v_m.role = 'admin' and v_to.kind <> 'bureau' then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from app.memberships m where m.org_id = v_to.id and m.user_id = v_m.user_id and m.ended_at is null) then
    raise exception using message = 'admin.already_member', errcode = 'PT409';
  end if;
  update app.memberships set ended_at = now() where id = v_m.id;
  insert into app.memberships (org_id, user_id, role, created_by)
  values (v_to.id, v_m.user_id, v_m.role, auth.uid()) returning id into v_new;
  perform app.audit(v_to.id, 'member.move', v_m.user_id,
    jsonb_build_object('from_org', v_m.org_id, 'to_org', v_to.id, 'membership_id', v_new));
  return jsonb_build_object('membership_id', v_new, 'org_id', v_to.id, 'org_name', v_to.name);
end
$$;
revoke execute on function public.member_move(uuid, uuid) from public, anon;
grant execute on function public.member_move(uuid, uuid) to authenticated;

create function public.member_remove(p_membership_id uuid, p_reason text default '') returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_reason text := btrim(coalesce(p_reason, ''));
  v_m app.memberships;
begin
  if char_length(v_reason) > 200 then
    raise exception using message = 'admin.reason_too_long', errcode = 'P0001';
  end if;
  v_m := app.membership_for_change(p_membership_id);
  update app.memberships set ended_at = now() where id = v_m.id;
  perform app.audit(v_m.org_id, 'member.remove', v_m.user_id,
    jsonb_build_object('membership_id', v_m.id, 'role', v_m.role, 'reason', v_reason));
  return jsonb_build_object('membership_id', v_m.id, 'ended', true);
end
$$;
revoke execute on function public.member_remove(uuid, text) from public, anon;
grant execute on function public.member_remove(uuid, text) to authenticated;

-- A waiting roster row withdrawn before its person signed up.
create function public.pending_remove(p_pending_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_pm app.pending_members;
begin
  perform app.require_user();
  delete from app.pending_members pm where pm.id = p_pending_id and pm.attached_at is null returning * into v_pm;
  if not found then
    raise exception using message = 'admin.member_not_found', errcode = 'PT404';
  end if;
  perform app.audit(v_pm.org_id, 'roster.pending_remove', v_pm.id, jsonb_build_object('name', v_pm.display_name));
  return jsonb_build_object('id', v_pm.id, 'removed', true);
end
$$;
revoke execute on function public.pending_remove(uuid) from public, anon;
grant execute on function public.pending_remove(uuid) to authenticated;

-- functions: roster import ------------------------------------------------------------------

create function public.roster_import_check(p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_rows jsonb;
begin
  perform app.require_manage(p_org_id);
  v_rows := app.roster_check_rows(p_org_id, p_rows);
  return jsonb_build_object(
    'rows', v_rows,
    'total', jsonb_array_length(v_rows),
    'bad', (select count(*) from jsonb_array_elements(v_rows) r where jsonb_array_length(r -> 'errors') > 0)
  );
end
$$;
revoke execute on function public.roster_import_check(uuid, jsonb) from public, anon;
grant execute on function public.roster_import_check(uuid, jsonb) to authenticated;

-- Saves the rows as pending members, all or nothing; a retry with the same id returns the first result.
create function public.roster_import(p_id uuid, p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_rows jsonb;
  v_done app.roster_imports;
  v_attached int;
begin
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_done from app.roster_imports i where i.id = p_id;
  if found then
    return jsonb_build_object('import_id', v_done.id, 'saved', v_done.row_count,
      'attached', (select count(*) from app.pending_members pm where pm.import_id = v_done.id and pm.attached_at is not null));
  end if;
  v_rows := app.roster_check_rows(p_org_id, p_rows);
  if exists (select 1 from jsonb_array_elements(v_rows) r where jsonb_array_length(r -> 'errors') > 0) then
    raise exception using message = 'admin.import_has_errors', errcode = 'P0001';
  end if;
  insert into app.roster_imports (id, org_id, created_by, row_count)
  values (p_id, p_org_id, v_uid, jsonb_array_length(v_rows));
  insert into app.pending_members (import_id, org_id, phone, display_name, role, invited_by)
  select p_id, (r ->> 'org_id')::uuid, r ->> 'phone', r ->> 'name', r ->> 'role', v_uid
    from jsonb_array_elements(v_rows) r
  on conflict (org_id, phone) where attached_at is null
  do update set display_name = excluded.display_name, role = excluded.role,
                import_id = excluded.import_id, invited_by = excluded.invited_by;
  v_attached := app.attach_import_existing(p_id);
  perform app.audit(p_org_id, 'roster.import', p_id,
    jsonb_build_object('rows', jsonb_array_length(v_rows), 'attached', v_attached));
  return jsonb_build_object('import_id', p_id, 'saved', jsonb_array_length(v_rows), 'attached', v_attached);
end
$$;
revoke execute on function public.roster_import(uuid, uuid, jsonb) from public, anon;
grant execute on function public.roster_import(uuid, uuid, jsonb) to authenticated;

-- functions: invites ------------------------------------------------------------------------

create function app.invite_json(p_invite app.invites) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p_invite.id, 'org_id', p_invite.org_id, 'code', p_invite.code,
    'role', p_invite.role, 'expires_at', p_invite.expires_at, 'max_uses', p_invite.max_uses,
    'use_count', p_invite.use_count, 'revoked_at', p_invite.revoked_at, 'created_at', p_invite.created_at,
    'status', case
      when p_invite.revoked_at is not null then 'revoked'
      when p_invite.expires_at is not null and p_invite.expires_at <= now() then 'expired'
      when p_invite.max_uses is not null and p_invite.use_count >= p_invite.max_uses then 'used_up'
      else 'active' end)
$$;
revoke execute on function app.invite_json(app.invites) from public, anon;
grant execute on function app.invite_json(app.invites) to authenticated;

create function public.invite_create(p_id uuid, p_org_id uuid, p_expires_at timestamptz, p_max_uses int, p_role text default 'member')
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_invite app.invites;
  v_code text;
  v_alphabet constant text := 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  v_try int := 0;
begin
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_invite from app.invites i where i.id = p_id;
  if found then
    if v_invite.org_id <> p_org_id then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return app.invite_json(v_invite);
  end if;
  if coalesce(p_role, 'member') not in ('member', 'committee') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if p_expires_at is null then
    raise exception using message = 'admin.expiry_required', errcode = 'P0001';
  elsif p_expires_at <= now() then
    raise exception using message = 'admin.expiry_past', errcode = 'P0001';
  elsif p_expires_at > now() + interval '366 days' then
    raise exception using message = 'admin.expiry_too_far', errcode = 'P0001';
  end if;
  if p_max_uses is not null and (p_max_uses < 1 or p_max_uses > 10000) then
    raise exception using message = 'admin.max_uses_invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from app.organisations o where o.id = p_org_id and o.retired_at is not null) then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  loop
    v_try := v_try + 1;
    select string_agg(substr(v_alphabet, 1 + (get_byte(b, i) % 32), 1), '' order by i) into v_code
      from extensions.gen_random_bytes(8) b, generate_series(0, 7) i;
    exit when not exists (select 1 from app.invites i where i.code = v_code) or v_try > 5;
  end loop;
  insert into app.invites (id, org_id, code, role, expires_at, max_uses, created_by)
  values (p_id, p_org_id, v_code, coalesce(p_role, 'member'), p_expires_at, p_max_uses, v_uid)
  returning * into v_invite;
  perform app.audit(p_org_id, 'invite.create', v_invite.id,
    jsonb_build_object('code', v_code, 'expires_at', p_expires_at, 'max_uses', p_max_uses, 'role', v_invite.role));
  return app.invite_json(v_invite);
end
$$;
revoke execute on function public.invite_create(uuid, uuid, timestamptz, int, text) from public, anon;
grant execute on function public.invite_create(uuid, uuid, timestamptz, int, text) to authenticated;

create function public.invite_list(p_org_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  return coalesce((
    select jsonb_agg(app.invite_json(i) order by (i.revoked_at is null) desc, i.created_at desc)
      from app.invites i where i.org_id = p_org_id
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.invite_list(uuid) from public, anon;
grant execute on function public.invite_list(uuid) to authenticated;

create function public.invite_revoke(p_invite_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_invite app.invites;
begin
  perform app.require_user();
  select * into v_invite from app.invites i where i.id = p_invite_id;
  if not found then
    raise exception using message = 'admin.invite_not_found', errcode = 'PT404';
  end if;
  if v_invite.revoked_at is null then
    update app.invites set revoked_at = now() where id = v_invite.id returning * into v_invite;
    perform app.audit(v_invite.org_id, 'invite.revoke', v_invite.id, jsonb_build_object('code', v_invite.code));
  end if;
  return app.invite_json(v_invite);
end
$$;
revoke execute on function public.invite_revoke(uuid) from public, anon;
grant execute on function public.invite_revoke(uuid) to authenticated;

-- functions: the audit log ------------------------------------------------------------------

-- Newest first, keyset by id (p_before: the last id of the previous page). p_action is an
-- exact action ('member.set_role') or its area ('member').
create function public.audit_log(p_org_id uuid default null, p_actor_id uuid default null,
  p_action text default null, p_before bigint default null, p_limit int default 30) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_limit int := coalesce(p_limit, 30);
  v_action text := nullif(btrim(coalesce(p_action, '')), '');
begin
  perform app.require_admin();
  if v_limit < 1 or v_limit > 100 then
    raise exception using message = 'admin.limit_invalid', errcode = 'P0001';
  end if;
  if v_action is not null and v_action !~ '^[a-z_]+(\.[a-z_]+)?$' then
    raise exception using message = 'admin.action_invalid', errcode = 'P0001';
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object('id', x.id, 'at', x.at, 'action', x.action,
        'actor_id', x.actor_id, 'actor_name', p.display_name, 'org_id', x.org_id, 'org_name', o.name,
        'subject_id', x.subject_id, 'subject_name', sp.display_name, 'detail', x.detail) order by x.id desc)
      from (
        select a.* from app.audit_log a
         where (p_before is null or a.id < p_before)
           and (p_actor_id is null or a.actor_id = p_actor_id)
           and (v_action is null or a.action = v_action or a.action like v_action || '.%')
           and (p_org_id is null or a.org_id in (select s.id from app.organisations s where s.path @> array[p_org_id]))
         order by a.id desc
         limit v_limit
      ) x
      left join app.profiles p on p.user_id = x.actor_id
      left join app.profiles sp on sp.user_id = x.subject_id
      left join app.organisations o on o.id = x.org_id
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.audit_log(uuid, uuid, text, bigint, int) from public, anon;
grant execute on function public.audit_log(uuid, uuid, text, bigint, int) to authenticated;

-- functions: reports and study hours (学时) -------------------------------------------------
-- They read the readings, topics and sessions tables of other areas across RLS on purpose
-- (security definer), after checking that the caller manages the organisation asked about.

create function app.check_period(p_from date, p_to date) returns void
language plpgsql immutable set search_path = '' as $$
begin
  if p_from is null or p_to is null then
    raise exception using message = 'admin.period_required', errcode = 'P0001';
  elsif p_from > p_to then
    raise exception using message = 'admin.period_order', errcode = 'P0001';
  elsif p_to - p_from > 731 then
    raise exception using message = 'admin.period_too_long', errcode = 'P0001';
  end if;
end
$$;
revoke execute on function app.check_period(date, date) from public, anon;
grant execute on function app.check_period(date, date) to authenticated;

-- Every non-retired organisation of p_root's subtree side by side, each counting the members of
-- itself and everything below it. Set-based: per-member figures first, then one grouping per table.
-- The planner cannot estimate the CTEs' sizes (rows below a path) and would pick nested loops
-- that re-run whole aggregates per row; every join here is a bulk one, so hash joins only. jit off:
-- the disabled nested loops' cost penalty would otherwise trigger seconds of JIT compilation.
create function app.report_data(p_root uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' set enable_nestloop = off set jit = off set work_mem = '32MB' as $$
declare
  v_result jsonb;
begin
  if not app.can_manage(p_root) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  root as (select o.id, o.path from app.organisations o where o.id = p_root),
  orgs as (select o.* from app.organisations o, root where o.path @> array[root.id] and o.retired_at is null),
  -- (organisation, each organisation above it and itself): turns "in the subtree of" into equality joins
  anc as (select o.id as org_id, a.ancestor_id from orgs o cross join lateral unnest(o.path) as a(ancestor_id)),
  mem as (select distinct m.user_id, m.org_id from app.memberships m join orgs o on o.id = m.org_id where m.ended_at is null),
  row_users as (
    select distinct a.ancestor_id as org_id, mem.user_id
      from mem join anc a on a.org_id = mem.org_id join orgs r on r.id = a.ancestor_id),
  users as (select distinct mem.user_id from mem),
  plans as (
    select p.id, p.title, p.due_on, p.org_id,
           (select count(*) from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
             where pr.plan_id = p.id)::int as sections
      from app.study_plans p, root
     where exists (select 1 from app.plan_orgs po
                    where po.plan_id = p.id and (po.org_id = any (root.path) or po.org_id in (select orgs.id from orgs)))
       and p.due_on >= p_from and p.created_at < (p_to + 1)),
  plan_users as (
    select distinct p.id as plan_id, mem.user_id
      from plans p join app.plan_orgs po on po.plan_id = p.id
      join anc a on a.ancestor_id = po.org_id join mem on mem.org_id = a.org_id),
  ticks as (
    select t.user_id, pr.plan_id, count(*)::int as n
      from app.section_ticks t
      join app.reading_sections s on s.id = t.section_id
      join app.plan_readings pr on pr.reading_id = s.reading_id
     where pr.plan_id in (select plans.id from plans) and t.read_at < (p_to + 1)
       and t.user_id in (select users.user_id from users)
     group by 1, 2),
  sess as (
    select s.id, s.kind, s.duration_minutes from app.sessions s
     where s.cancelled_at is null and s.starts_at >= p_from and s.starts_at < (p_to + 1) and s.starts_at <= now()),
  expected as (
    select distinct s.id as session_id, s.kind, s.duration_minutes, mem.user_id
      from sess s join app.session_orgs so on so.session_id = s.id
      join anc a on a.ancestor_id = so.org_id join mem on mem.org_id = a.org_id),
  att as (
    select e.user_id, e.kind, count(*)::int as expected,
           count(c.id) filter (where c.status in ('present', 'late'))::int as attended,
           count(c.id) filter (where c.status = 'excused')::int as excused
      from expected e left join app.checkins c on c.session_id = e.session_id and c.user_id = e.user_id
     group by 1, 2),
  session_min as (
    select c.user_id, sum(s.duration_minutes)::int as minutes
      from app.checkins c join app.sessions s on s.id = c.session_id
     where c.status in ('present', 'late') and s.cancelled_at is null
       and s.starts_at >= p_from and s.starts_at < (p_to + 1) and c.user_id in (select users.user_id from users)
     group by 1),
  reading_min as (
    select t.user_id, coalesce(sum(s.est_minutes), 0)::int as minutes
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.read_at >= p_from and t.read_at < (p_to + 1) and t.user_id in (select users.user_id from users)
     group by 1),
  posts as (
    select p.author_id as user_id, p.topic_id
      from app.posts p
     where p.deleted_at is null and p.created_at >= p_from and p.created_at < (p_to + 1)
       and p.author_id in (select users.user_id from users)),
  post_counts as (select posts.user_id, count(*)::int as n from posts group by 1),
  per_user as (
    select u.user_id, coalesce(sm.minutes, 0) as session_minutes, coalesce(rm.minutes, 0) as reading_minutes,
           coalesce(pc.n, 0) as posts
      from users u left join session_min sm on sm.user_id = u.user_id left join reading_min rm on rm.user_id = u.user_id
      left join post_counts pc on pc.user_id = u.user_id),
  org_stats as (
    select ru.org_id, count(*)::int as members, count(*) filter (where pu.posts > 0)::int as posters,
           sum(pu.posts)::int as posts, sum(pu.session_minutes)::int as session_minutes,
           sum(pu.reading_minutes)::int as reading_minutes
      from row_users ru join per_user pu on pu.user_id = ru.user_id
     group by 1),
  org_att as (
    select a.org_id, jsonb_agg(jsonb_build_object('kind', a.kind, 'expected', a.expected, 'attended', a.attended,
             'excused', a.excused) order by a.kind) as attendance,
           sum(a.expected)::int as expected, sum(a.attended)::int as attended
      from (select ru.org_id, a.kind, sum(a.expected)::int as expected, sum(a.attended)::int as attended,
                   sum(a.excused)::int as excused
              from row_users ru join att a on a.user_id = ru.user_id group by 1, 2) a
     group by 1),
  org_read as (
    select x.org_id, jsonb_agg(jsonb_build_object('plan_id', x.plan_id, 'members', x.members, 'done', x.done,
             'total', x.total, 'done_members', x.done_members) order by x.plan_id) as reading,
           sum(x.done)::int as done, sum(x.total)::int as total
      from (
        select ru.org_id, p.id as plan_id, count(*)::int as members,
               coalesce(sum(least(coalesce(t.n, 0), p.sections)), 0)::int as done,
               (count(*) * p.sections)::int as total,
               count(*) filter (where p.sections > 0 and coalesce(t.n, 0) >= p.sections)::int as done_members
          from row_users ru
          join plan_users pu on pu.user_id = ru.user_id
          join plans p on p.id = pu.plan_id
          left join ticks t on t.user_id = pu.user_id and t.plan_id = pu.plan_id
         group by ru.org_id, p.id, p.sections) x
     group by 1),
  org_pending as (
    select r.id as org_id, count(*)::int as pending
      from orgs r join app.pending_members pm on pm.attached_at is null
      join orgs po on po.id = pm.org_id and po.path @> array[r.id]
     group by 1),
  topic_rows as (
    select t.id, t.title, count(*)::int as posts, count(distinct p.user_id)::int as posters
      from posts p join app.topics t on t.id = p.topic_id
     group by t.id, t.title order by count(*) desc, t.title limit 30)
  select jsonb_build_object(
    'root_id', p_root, 'from', p_from, 'to', p_to,
    'plans', coalesce((select jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'due_on', p.due_on,
                 'sections', p.sections) order by p.due_on, p.title) from plans p), '[]'::jsonb),
    'topics', coalesce((select jsonb_agg(to_jsonb(tr) order by tr.posts desc, tr.title) from topic_rows tr), '[]'::jsonb),
    'orgs', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', r.id, 'name', r.name, 'kind', r.kind, 'parent_id', r.parent_id,
          'depth', cardinality(r.path) - cardinality(root.path),
          'members', coalesce(st.members, 0), 'pending', coalesce(op.pending, 0),
          'posters', coalesce(st.posters, 0), 'posts', coalesce(st.posts, 0),
          'session_minutes', coalesce(st.session_minutes, 0), 'reading_minutes', coalesce(st.reading_minutes, 0),
          'attendance', coalesce(oa.attendance, '[]'::jsonb), 'expected', coalesce(oa.expected, 0),
          'attended', coalesce(oa.attended, 0),
          'reading', coalesce(orr.reading, '[]'::jsonb), 'read_done', coalesce(orr.done, 0),
          'read_total', coalesce(orr.total, 0))
          order by r.path)
        from orgs r cross join root
        left join org_stats st on st.org_id = r.id
        left join org_pending op on op.org_id = r.id
        left join org_att oa on oa.org_id = r.id
        left join org_read orr on orr.org_id = r.id), '[]'::jsonb)
  ) into v_result;
  return v_result;
end
$$;
revoke execute on function app.report_data(uuid, date, date) from public, anon;
grant execute on function app.report_data(uuid, date, date) to authenticated;

create function public.report_org(p_org_id uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  perform app.check_period(p_from, p_to);
  return app.report_data(p_org_id, p_from, p_to);
end
$$;
revoke execute on function public.report_org(uuid, date, date) from public, anon;
grant execute on function public.report_org(uuid, date, date) to authenticated;

create function public.report_bureau(p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_root uuid;
begin
  perform app.require_admin();
  perform app.check_period(p_from, p_to);
  select m.org_id into v_root from app.memberships m
   where m.user_id = auth.uid() and m.ended_at is null and m.role = 'admin' order by m.joined_at limit 1;
  return app.report_data(v_root, p_from, p_to);
end
$$;
revoke execute on function public.report_bureau(date, date) from public, anon;
grant execute on function public.report_bureau(date, date) to authenticated;

-- 学时 by month: sessions attended (their length) and sections read (their estimated time), for
-- one member (p_user, only oneself) or summed over an organisation's members (p_org, managers).
-- Never a per-member list of an organisation: study hours are not ranked.
create function app.study_ledger(p_user uuid, p_org uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_result jsonb;
begin
  if p_user is not null and p_user is distinct from auth.uid() then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  if p_user is null and not app.can_manage(p_org) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  users as (
    select p_user as user_id where p_user is not null
    union
    select distinct m.user_id from app.memberships m join app.organisations o on o.id = m.org_id
     where p_user is null and m.ended_at is null and o.path @> array[p_org]),
  items as (
    select date_trunc('month', s.starts_at)::date as month, s.duration_minutes as session_minutes, 0 as reading_minutes,
           1 as sessions, 0 as sections
      from app.checkins c join app.sessions s on s.id = c.session_id
     where c.status in ('present', 'late') and s.cancelled_at is null
       and s.starts_at >= p_from and s.starts_at < (p_to + 1) and c.user_id in (select users.user_id from users)
    union all
    select date_trunc('month', t.read_at)::date, 0, coalesce(s.est_minutes, 0), 0, 1
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.read_at >= p_from and t.read_at < (p_to + 1) and t.user_id in (select users.user_id from users)),
  months as (
    select month, sum(session_minutes)::int as session_minutes, sum(reading_minutes)::int as reading_minutes,
           sum(sessions)::int as sessions, sum(sections)::int as sections
      from items group by month)
  select jsonb_build_object(
    'from', p_from, 'to', p_to,
    'members', (select count(*) from users)::int,
    'session_minutes', coalesce((select sum(session_minutes) from months), 0)::int,
    'reading_minutes', coalesce((select sum(reading_minutes) from months), 0)::int,
    'sessions', coalesce((select sum(sessions) from months), 0)::int,
    'sections', coalesce((select sum(sections) from months), 0)::int,
    'months', coalesce((select jsonb_agg(jsonb_build_object('month', to_char(month, 'YYYY-MM'),
                 'session_minutes', session_minutes, 'reading_minutes', reading_minutes) order by month)
                 from months), '[]'::jsonb))
  into v_result;
  return v_result;
end
$$;
revoke execute on function app.study_ledger(uuid, uuid, date, date) from public, anon;
grant execute on function app.study_ledger(uuid, uuid, date, date) to authenticated;

create function public.my_study_hours(p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.check_period(p_from, p_to);
  return app.study_ledger(v_uid, null, p_from, p_to);
end
$$;
revoke execute on function public.my_study_hours(date, date) from public, anon;
grant execute on function public.my_study_hours(date, date) to authenticated;

create function public.org_study_hours(p_org_id uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  perform app.check_period(p_from, p_to);
  return app.study_ledger(null, p_org_id, p_from, p_to) || jsonb_build_object('org_id', p_org_id);
end
$$;
revoke execute on function public.org_study_hours(uuid, date, date) from public, anon;
grant execute on function public.org_study_hours(uuid, date, date) to authenticated;

-- For home_summary(): what a manager has waiting, and my study hours this year.
create function app.home_admin() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_year date := date_trunc('year', now())::date;
begin
  return jsonb_build_object(
    'can_manage', exists (select 1 from app.managed_org_ids()),
    'pending_members', (select count(*) from app.pending_members pm where pm.attached_at is null)::int,
    'active_invites', (select count(*) from app.invites i where i.revoked_at is null
                         and (i.expires_at is null or i.expires_at > now())
                         and (i.max_uses is null or i.use_count < i.max_uses))::int,
    'study_minutes_year', (select (l ->> 'session_minutes')::int + (l ->> 'reading_minutes')::int
                             from app.study_ledger(v_uid, null, v_year, current_date) l));
end
$$;
revoke execute on function app.home_admin() from public, anon;
grant execute on function app.home_admin() to authenticated, service_role;

-- grants ------------------------------------------------------------------------------------

grant select, insert on app.roster_imports to authenticated;
grant select, insert, update, delete on app.pending_members to authenticated;
grant all on app.roster_imports, app.pending_members to service_role;
