-- Core: the organisation tree, profiles, memberships and roles, invites, the audit log, the
-- membership helpers every other area's policies use, and who may join which realtime topic.
-- Tables live in schema app (not exposed by the API); the API is functions in public.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- types -------------------------------------------------------------------------------------
create schema if not exists app;

comment on schema app is 'Domain tables and helpers. Not exposed by the API: clients call the functions in public.';

grant usage on schema app to anon, authenticated, service_role;

-- tables ------------------------------------------------------------------------------------
create table app.organisations (
  id uuid primary key default gen_random_uuid(),
  parent_id uuid references app.organisations (id),
  kind text not null check (kind in ('bureau', 'committee', 'general_branch', 'branch', 'group')),
  name text not null check (char_length(btrim(name)) between 1 and 60),
  -- ancestors from the top, ending with this organisation; kept by a trigger
  path uuid[] not null default '{}',
  sort_order int not null default 0,
  retired_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organisations_root_is_bureau check ((parent_id is null) = (kind = 'bureau'))
);

comment on table app.organisations is 'The Party organisation tree: 局党委 → 党委/党总支/党支部 → 党小组. Retired ones keep their history.';

create table app.profiles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null check (char_length(btrim(display_name)) between 1 and 40),
  school text not null default '' check (char_length(school) <= 60),
  position text not null default '' check (char_length(position) <= 40),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table app.profiles is 'A member''s public face inside the county system: name, school, position.';

create table app.profile_contacts (
  user_id uuid primary key references app.profiles (user_id) on delete cascade,
  phone text check (phone ~ '^[0-9]{6,15}$'),
  updated_at timestamptz not null default now()
);

comment on table app.profile_contacts is 'Private contact details: seen only by the member and the secretaries above them.';

create table app.memberships (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references app.organisations (id),
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  role text not null default 'member' check (role in ('member', 'committee', 'secretary', 'admin')),
  joined_at timestamptz not null default now(),
  ended_at timestamptz,
  created_by uuid references app.profiles (user_id) on delete set null,
  constraint memberships_time_order check (ended_at is null or ended_at >= joined_at),
  -- the roster's position flag; a secretary sets it (public.member_set_cadre)
  is_cadre boolean not null default false,
  -- tables ------------------------------------------------------------------------------------
  during tstzrange
  generated always as (tstzrange(joined_at, ended_at, '[)')) stored
);

comment on table app.memberships is 'A user''s place in an organisation with a role; a leader may hold two (双重组织生活). Ended rows are history.';

create table app.invites (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references app.organisations (id),
  code text not null unique check (code ~ '^[A-Z0-9]{6,12}$'),
  role text not null default 'member' check (role in ('member', 'committee')),
  expires_at timestamptz,
  max_uses int check (max_uses between 1 and 10000),
  use_count int not null default 0 check (use_count >= 0),
  revoked_at timestamptz,
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  constraint invites_uses_within_max check (max_uses is null or use_count <= max_uses),
  -- tables ------------------------------------------------------------------------------------
  needs_approval boolean not null default false
);

comment on table app.invites is 'Codes a secretary shares so new members can join their organisation at sign-up.';

create table app.invite_redemptions (
  invite_id uuid not null references app.invites (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  redeemed_at timestamptz not null default now(),
  primary key (invite_id, user_id)
);

comment on table app.invite_redemptions is 'Who joined through which invite.';

create table app.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid references app.profiles (user_id) on delete set null,
  org_id uuid references app.organisations (id),
  action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  subject_id uuid,
  detail jsonb not null default '{}'
);

comment on table app.audit_log is 'What secretaries and admins did, by whom, where. Written only through app.audit().';

-- What each member reaches in the organisation tree, kept by the writes (#15 province scale).
--
-- app.org_rank, app.visible_org_ids and app.managed_org_ids are asked inside nearly every policy
-- and API function. Written as walks of the tree from the caller's memberships they cost
-- 15–95 ms once a province holds tens of thousands of memberships (a GIN probe per membership,
-- then the whole subtree below an admin); as lookups in app.org_reach they are one index range
-- of the caller's own rows. app.org_reach_refresh is the one place that computes the rule;
-- supabase/tests/org-reach.test.ts compares the lookups with a recursive walk of the tree after
-- random membership and tree moves.

create table app.org_reach (
  user_id uuid not null,
  org_id uuid not null,
  rank smallint not null,
  on_path boolean not null,
  primary key (user_id, org_id)
);

comment on table app.org_reach is
  'Per (user, organisation): rank = the highest rank the user holds on it or any organisation above it '
  '(app.org_rank; 0 when only on_path), on_path = it is one of the user''s organisations or above one. '
  'Active memberships only. A summary kept by triggers on memberships and organisations; '
  'app.org_reach_rebuild() recomputes it.';

-- indexes -----------------------------------------------------------------------------------
create index organisations_parent_id_idx on app.organisations (parent_id);
create index organisations_path_idx on app.organisations using gin (path);
create unique index memberships_one_active_idx on app.memberships (org_id, user_id) where ended_at is null;
create index memberships_user_id_idx on app.memberships (user_id) where ended_at is null;
create index memberships_org_id_idx on app.memberships (org_id);
create index memberships_created_by_idx on app.memberships (created_by);
create index invites_org_id_idx on app.invites (org_id);
create index invites_created_by_idx on app.invites (created_by);
create index invite_redemptions_user_id_idx on app.invite_redemptions (user_id);
create index audit_log_org_at_idx on app.audit_log (org_id, at desc);
create index audit_log_actor_id_idx on app.audit_log (actor_id);

-- the subtree of one organisation in path order (the roster's order): a contiguous range
create index organisations_path_order_idx on app.organisations (path);

-- triggers ----------------------------------------------------------------------------------
create function app.touch_updated_at() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.updated_at := now();
  return new;
end
$$;
revoke execute on function app.touch_updated_at() from public;
grant execute on function app.touch_updated_at() to authenticated, service_role;

create trigger profiles_touch before update on app.profiles
  for each row execute function app.touch_updated_at();

create trigger profile_contacts_touch before update on app.profile_contacts
  for each row execute function app.touch_updated_at();

create trigger organisations_touch before update on app.organisations
  for each row execute function app.touch_updated_at();

-- The path is derived from the parent; a move rewrites the paths below it, and a move under
-- one's own descendant is refused.
create function app.organisations_set_path() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_parent_path uuid[];
begin
  if new.parent_id is null then
    new.path := array[new.id];
  else
    select o.path into v_parent_path from app.organisations o where o.id = new.parent_id;
    if v_parent_path is null then
      raise exception using message = 'org.parent_not_found', errcode = 'P0001';
    end if;
    if new.id = any (v_parent_path) then
      raise exception using message = 'org.cycle', errcode = 'P0001';
    end if;
    new.path := v_parent_path || new.id;
  end if;
  return new;
end
$$;
revoke execute on function app.organisations_set_path() from public;
grant execute on function app.organisations_set_path() to authenticated, service_role;

create trigger organisations_path before insert or update of parent_id on app.organisations
  for each row execute function app.organisations_set_path();

create function app.organisations_repath_descendants() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.organisations o
     set path = new.path || o.path[array_position(o.path, new.id) + 1:]
   where o.path @> array[new.id] and o.id <> new.id;
  return null;
end
$$;
revoke execute on function app.organisations_repath_descendants() from public;
grant execute on function app.organisations_repath_descendants() to authenticated, service_role;

create trigger organisations_repath after update of parent_id on app.organisations
  for each row when (old.parent_id is distinct from new.parent_id)
  execute function app.organisations_repath_descendants();

-- the bureau admin role exists only on the bureau committee
create function app.memberships_check_role() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.role = 'admin' and not exists (
    select 1 from app.organisations o where o.id = new.org_id and o.kind = 'bureau'
  ) then
    raise exception using message = 'member.admin_only_at_bureau', errcode = 'P0001';
  end if;
  return new;
end
$$;
revoke execute on function app.memberships_check_role() from public;
grant execute on function app.memberships_check_role() to authenticated, service_role;

create trigger memberships_role before insert or update of role, org_id on app.memberships
  for each row execute function app.memberships_check_role();

-- A new account gets its profile from what it signed up with.
create function app.handle_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_name text := left(btrim(coalesce(
    nullif(btrim(new.raw_user_meta_data ->> 'display_name'), ''),
    nullif(split_part(coalesce(new.email, ''), '@', 1), ''),
    right(coalesce(new.phone, ''), 4),
    '新成员'
  )), 40);
begin
  insert into app.profiles (user_id, display_name, school, position)
  values (
    new.id,
    case when v_name = '' then '新成员' else v_name end,
    left(coalesce(new.raw_user_meta_data ->> 'school', ''), 60),
    left(coalesce(new.raw_user_meta_data ->> 'position', ''), 40)
  )
  on conflict (user_id) do nothing;
  insert into app.profile_contacts (user_id, phone)
  values (new.id, nullif(new.phone, ''))
  on conflict (user_id) do nothing;
  return new;
end
$$;
revoke execute on function app.handle_new_user() from public;
grant execute on function app.handle_new_user() to authenticated, service_role;

create trigger on_auth_user_created after insert on auth.users
  for each row execute function app.handle_new_user();

-- a membership added, changed or removed: the people concerned
create function app.memberships_org_reach() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.org_reach_refresh(array(select distinct n.user_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.org_reach_refresh(array(select distinct o.user_id from old_rows o));
  else
    perform app.org_reach_refresh(array(
      select o.user_id from old_rows o join new_rows n on n.id = o.id
       where (o.user_id, o.org_id, o.role, o.ended_at is null) is distinct from (n.user_id, n.org_id, n.role, n.ended_at is null)
      union
      select n.user_id from old_rows o join new_rows n on n.id = o.id
       where (o.user_id, o.org_id, o.role, o.ended_at is null) is distinct from (n.user_id, n.org_id, n.role, n.ended_at is null)));
  end if;
  return null;
end
$$;
revoke execute on function app.memberships_org_reach() from public;

create trigger memberships_org_reach_ins after insert on app.memberships
  referencing new table as new_rows for each statement execute function app.memberships_org_reach();

create trigger memberships_org_reach_del after delete on app.memberships
  referencing old table as old_rows for each statement execute function app.memberships_org_reach();

create trigger memberships_org_reach_upd after update on app.memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app.memberships_org_reach();

-- an organisation added, moved (its descendants' paths are rewritten by their own statement) or
-- removed: everyone with a membership on its old or new path — above it (they reach more or
-- less below) or at it; members below it are on the paths of the rewritten descendants
create function app.organisations_org_reach() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_orgs uuid[];
begin
  if tg_op = 'INSERT' then
    v_orgs := array(select distinct a.id from new_rows n cross join lateral unnest(n.path) as a(id));
  elsif tg_op = 'DELETE' then
    v_orgs := array(select distinct a.id from old_rows o cross join lateral unnest(o.path) as a(id));
  else
    v_orgs := array(
      select a.id from old_rows o join new_rows n on n.id = o.id
       cross join lateral unnest(o.path || n.path) as a(id)
       where o.path is distinct from n.path);
  end if;
  if cardinality(v_orgs) > 0 then
    perform app.org_reach_refresh(array(
      select distinct m.user_id from app.memberships m where m.org_id = any (v_orgs) and m.ended_at is null));
  end if;
  return null;
end
$$;
revoke execute on function app.organisations_org_reach() from public;

create trigger organisations_org_reach_ins after insert on app.organisations
  referencing new table as new_rows for each statement execute function app.organisations_org_reach();

create trigger organisations_org_reach_del after delete on app.organisations
  referencing old table as old_rows for each statement execute function app.organisations_org_reach();

create trigger organisations_org_reach_upd after update on app.organisations
  referencing old table as old_rows new table as new_rows for each statement execute function app.organisations_org_reach();

-- helpers -----------------------------------------------------------------------------------
-- security definer so that policies can call them without recursing into RLS; each reads only
-- the caller's own memberships.
create function app.rank_of(p_role text) returns int
language sql immutable set search_path = '' as $$
  select case p_role when 'member' then 1 when 'committee' then 2 when 'secretary' then 3 when 'admin' then 4 else 0 end
$$;
revoke execute on function app.rank_of(text) from public;
grant execute on function app.rank_of(text) to authenticated, service_role;

create function app.require_user() returns uuid
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception using message = 'auth.required', errcode = '42501';
  end if;
  return v_uid;
end
$$;
revoke execute on function app.require_user() from public;
grant execute on function app.require_user() to authenticated, service_role;

-- functions: the membership helpers, lookups in app.org_reach ---------------------------------------------------------
create function app.org_rank(p_org uuid) returns int
language sql stable security definer set search_path = '' as $$
  select coalesce((select r.rank::int from app.org_reach r where r.user_id = auth.uid() and r.org_id = p_org), 0)
$$;
revoke execute on function app.org_rank(uuid) from public;
grant execute on function app.org_rank(uuid) to authenticated, service_role;

-- my organisations, everything above them (county-wide content reaches every school), and
-- everything below those where I am committee member or more
create function app.visible_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select r.org_id from app.org_reach r where r.user_id = auth.uid() and (r.on_path or r.rank >= 2)
$$;
revoke execute on function app.visible_org_ids() from public;
grant execute on function app.visible_org_ids() to authenticated, service_role;

-- organisations I manage: where I am secretary (or admin) and everything below
create function app.managed_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select r.org_id from app.org_reach r where r.user_id = auth.uid() and r.rank >= 3
$$;
revoke execute on function app.managed_org_ids() from public;
grant execute on function app.managed_org_ids() to authenticated, service_role;

create function app.can_manage(p_org uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select app.org_rank(p_org) >= 3
$$;
revoke execute on function app.can_manage(uuid) from public;
grant execute on function app.can_manage(uuid) to authenticated, service_role;

create function app.is_bureau_admin() returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from app.memberships m
     where m.user_id = auth.uid() and m.ended_at is null and m.role = 'admin'
  )
$$;
revoke execute on function app.is_bureau_admin() from public;
grant execute on function app.is_bureau_admin() to authenticated, service_role;

-- does the user share the county system with me (has any active membership)
create function app.is_member_anywhere() returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from app.memberships m where m.user_id = auth.uid() and m.ended_at is null)
$$;
revoke execute on function app.is_member_anywhere() from public;
grant execute on function app.is_member_anywhere() to authenticated, service_role;

-- Records what a secretary or admin did; the only way into the audit log.
create function app.audit(p_org uuid, p_action text, p_subject uuid, p_detail jsonb default '{}')
returns void
language sql security definer set search_path = '' as $$
  insert into app.audit_log (actor_id, org_id, action, subject_id, detail)
  values (auth.uid(), p_org, p_action, p_subject, coalesce(p_detail, '{}'))
$$;
revoke execute on function app.audit(uuid, text, uuid, jsonb) from public;
grant execute on function app.audit(uuid, text, uuid, jsonb) to authenticated, service_role;

-- functions: who may join a channel ----------------------------------------------------------

-- `<kind>:<uuid>` and nothing after it; attendance:<session> for those who run
-- the session, as public.session_counts allows
create function app.can_join_realtime_topic(p_topic text) returns boolean
language plpgsql stable security definer set search_path = '' as $$
declare
  v_kind text := split_part(p_topic, ':', 1);
  v_id uuid;
begin
  if auth.uid() is null or p_topic !~ '^[a-z_]+:[0-9a-fA-F-]{36}$' then
    return false;
  end if;
  begin
    v_id := split_part(p_topic, ':', 2)::uuid;
  exception when invalid_text_representation then
    return false;
  end;
  return case v_kind
    when 'org' then v_id in (select app.visible_org_ids())
    when 'user' then v_id = auth.uid()
    when 'topic' then app.can_see_topic(v_id)
    when 'session' then app.can_see_session(v_id)
    when 'attendance' then app.can_run_session(v_id)
    else false
  end;
end
$$;
revoke execute on function app.can_join_realtime_topic(text) from public;
grant execute on function app.can_join_realtime_topic(text) to authenticated, service_role;

-- RLS ---------------------------------------------------------------------------------------
alter table app.organisations enable row level security;
alter table app.profiles enable row level security;
alter table app.profile_contacts enable row level security;
alter table app.memberships enable row level security;
alter table app.invites enable row level security;
alter table app.invite_redemptions enable row level security;
alter table app.audit_log enable row level security;

create policy organisations_select on app.organisations for select to authenticated
  using (id in (select app.visible_org_ids()));

create policy organisations_insert on app.organisations for insert to authenticated
  with check ((select app.is_bureau_admin()));

create policy organisations_update on app.organisations for update to authenticated
  using ((select app.is_bureau_admin())) with check ((select app.is_bureau_admin()));

-- names and schools are shared inside the county system; phones are not (profile_contacts)
create policy profiles_select on app.profiles for select to authenticated
  using (user_id = (select auth.uid()) or (select app.is_member_anywhere()));

create policy profiles_update on app.profiles for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy profile_contacts_select on app.profile_contacts for select to authenticated
  using (
    user_id = (select auth.uid())
    or exists (
      select 1 from app.memberships m
       where m.user_id = profile_contacts.user_id and m.ended_at is null
         and m.org_id in (select app.managed_org_ids())
    )
  );

create policy profile_contacts_update on app.profile_contacts for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy memberships_select on app.memberships for select to authenticated
  using (user_id = (select auth.uid()) or org_id in (select app.visible_org_ids()));

create policy memberships_insert on app.memberships for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id));

create policy memberships_update on app.memberships for update to authenticated
  using (org_id in (select app.managed_org_ids()))
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id));

create policy invites_select on app.invites for select to authenticated
  using (org_id in (select app.managed_org_ids()));

create policy invites_insert on app.invites for insert to authenticated
  with check (org_id in (select app.managed_org_ids()));

create policy invites_update on app.invites for update to authenticated
  using (org_id in (select app.managed_org_ids())) with check (org_id in (select app.managed_org_ids()));

create policy invite_redemptions_select on app.invite_redemptions for select to authenticated
  using (user_id = (select auth.uid()));

create policy audit_log_select on app.audit_log for select to authenticated
  using ((select app.is_bureau_admin()));

-- realtime: a private channel is readable by whoever may see what its topic names
create policy messages_select on realtime.messages for select to authenticated
  using (extension in ('broadcast', 'presence') and app.can_join_realtime_topic((select realtime.topic())));

-- A code that is not revoked or expired; a used-up one is found, so that a member already in the
-- organisation who redeems it again gets the same answer (invite_redeem decides).
create function app.invite_by_code(p_code text) returns app.invites
language plpgsql stable security definer set search_path = '' as $$
declare
  v_invite app.invites;
  v_status text;
begin
  select * into v_invite from app.invites i where i.code = upper(btrim(coalesce(p_code, '')));
  if not found then
    raise exception using message = 'invite.not_found', errcode = 'PT404';
  end if;
  v_status := app.invite_status(v_invite);
  if v_status in ('revoked', 'expired') then
    raise exception using message = 'invite.' || v_status, errcode = 'P0001';
  end if;
  return v_invite;
end
$$;
revoke execute on function app.invite_by_code(text) from public;
grant execute on function app.invite_by_code(text) to anon, authenticated, service_role;

create function app.preview_invite(p_code text) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_invite app.invites := app.invite_by_code(p_code);
begin
  if app.invite_status(v_invite) = 'used_up' then
    raise exception using message = 'invite.used_up', errcode = 'P0001';
  end if;
  return (
    select jsonb_build_object(
      'code', v_invite.code, 'org_id', o.id, 'org_name', o.name, 'org_kind', o.kind,
      'parent_name', p.name, 'role', v_invite.role)
      from app.organisations o left join app.organisations p on p.id = o.parent_id
     where o.id = v_invite.org_id
  );
end
$$;
revoke execute on function app.preview_invite(text) from public;
grant execute on function app.preview_invite(text) to anon, authenticated, service_role;

create function app.redeem_invite(p_code text) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_invite app.invites := app.invite_by_code(p_code);
  v_role text;
begin
  perform 1 from app.invites i where i.id = v_invite.id for update;
  -- a retry, or someone already in the organisation, gets the same answer and uses nothing
  select m.role into v_role from app.memberships m
   where m.org_id = v_invite.org_id and m.user_id = v_uid and m.ended_at is null;
  if v_role is null then
    if exists (select 1 from app.organisations o where o.id = v_invite.org_id and o.retired_at is not null) then
      raise exception using message = 'invite.org_retired', errcode = 'P0001';
    end if;
    update app.invites i set use_count = i.use_count + 1
     where i.id = v_invite.id and (i.max_uses is null or i.use_count < i.max_uses);
    if not found then
      raise exception using message = 'invite.used_up', errcode = 'P0001';
    end if;
    insert into app.memberships (org_id, user_id, role, created_by)
    values (v_invite.org_id, v_uid, v_invite.role, v_invite.created_by);
    insert into app.invite_redemptions (invite_id, user_id) values (v_invite.id, v_uid)
    on conflict do nothing;
    v_role := v_invite.role;
  end if;
  return (select jsonb_build_object('org_id', o.id, 'org_name', o.name, 'role', v_role)
            from app.organisations o where o.id = v_invite.org_id);
end
$$;
revoke execute on function app.redeem_invite(text) from public;
grant execute on function app.redeem_invite(text) to authenticated, service_role;

-- The join screen needs to know whether it admits or asks.
create function public.invite_preview(p_code text) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.preview_invite(p_code) || jsonb_build_object('needs_approval', app.invite_needs_approval(p_code))
$$;
revoke execute on function public.invite_preview(text) from public;
grant execute on function public.invite_preview(text) to anon, authenticated;

-- An approval invite cannot be redeemed directly (an old client, a hand-made call): it says so.
create function public.invite_redeem(p_code text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
begin
  if app.invite_needs_approval(p_code) then
    raise exception using message = 'invite.needs_approval', errcode = 'P0001';
  end if;
  return app.redeem_invite(p_code);
end
$$;
revoke execute on function public.invite_redeem(text) from public, anon;
grant execute on function public.invite_redeem(text) to authenticated;

create function public.my_context() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return jsonb_build_object(
    'profile', (
      select jsonb_build_object(
        'user_id', p.user_id, 'display_name', p.display_name, 'school', p.school,
        'position', p.position, 'phone', c.phone, 'email', auth.jwt() ->> 'email')
        from app.profiles p left join app.profile_contacts c on c.user_id = p.user_id
       where p.user_id = v_uid),
    'memberships', coalesce((
      select jsonb_agg(jsonb_build_object(
          'org_id', o.id, 'org_name', o.name, 'org_kind', o.kind, 'role', m.role,
          'path', (select jsonb_agg(a.name order by array_position(o.path, a.id))
                     from app.organisations a where a.id = any (o.path)))
          order by array_length(o.path, 1), o.name)
        from app.memberships m join app.organisations o on o.id = m.org_id
       where m.user_id = v_uid and m.ended_at is null), '[]'::jsonb),
    'is_admin', app.is_bureau_admin(),
    'can_manage', exists (select 1 from app.managed_org_ids())
  );
end
$$;
revoke execute on function public.my_context() from public, anon;
grant execute on function public.my_context() to authenticated;

-- The contact phone goes through the one phone rule, so it matches a roster row (stored
-- normalised) whatever the app sent: empty clears it, anything the rule refuses is
-- profile.phone_invalid and changes nothing.
create function public.profile_update(p_display_name text, p_school text default '', p_position text default '', p_phone text default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_name text := btrim(coalesce(p_display_name, ''));
  v_given boolean := btrim(coalesce(p_phone, '')) <> '';
  v_phone text := app.normalise_phone(p_phone);
begin
  if v_name = '' then
    raise exception using message = 'profile.name_required', errcode = 'P0001';
  elsif char_length(v_name) > 40 then
    raise exception using message = 'profile.name_too_long', errcode = 'P0001';
  elsif char_length(coalesce(p_school, '')) > 60 then
    raise exception using message = 'profile.school_too_long', errcode = 'P0001';
  elsif char_length(coalesce(p_position, '')) > 40 then
    raise exception using message = 'profile.position_too_long', errcode = 'P0001';
  elsif v_given and v_phone is null then
    raise exception using message = 'profile.phone_invalid', errcode = 'P0001';
  end if;
  update app.profiles set display_name = v_name, school = btrim(coalesce(p_school, '')),
         position = btrim(coalesce(p_position, ''))
   where user_id = v_uid;
  update app.profile_contacts set phone = v_phone where user_id = v_uid;
  return public.my_context() -> 'profile';
end
$$;
revoke execute on function public.profile_update(text, text, text, text) from public, anon;
grant execute on function public.profile_update(text, text, text, text) to authenticated;

alter table app.org_reach enable row level security;
create policy org_reach_select on app.org_reach for select to authenticated using (false);

-- functions: one rule each ------------------------------------------------------------------
-- "Organisations I manage": app.managed_org_ids() is the rule: secretary rank or more, with
-- everything below. The lists built from it — the session and topic forms' picker
-- (session_orgs_i_manage), the plan form's (reading_catalog), the admin tree (org_tree) — read
-- app.managed_orgs. app.can_manage(p_org)
-- answers the same question for one organisation by walking up its path (cheap where the set
-- would be the whole county); supabase/tests/managed-orgs.test.ts checks the two agree.

create function app.managed_orgs(p_include_retired boolean default false) returns setof app.organisations
language sql stable security invoker set search_path = '' as $$
  select o.* from app.organisations o
   where o.id in (select app.managed_org_ids())
     and (coalesce(p_include_retired, false) or o.retired_at is null)
$$;
revoke execute on function app.managed_orgs(boolean) from public;
grant execute on function app.managed_orgs(boolean) to authenticated;

-- "An invite is active": app.invite_status is the rule, and invite_by_code, preview_invite,
-- invite_json's status and home_admin's count read it. invite_redeem keeps its
-- `use_count < max_uses` in the update: that is the guard against two redemptions racing for the
-- last use (the row is locked and re-checked as it is written), not another statement of the rule.

create function app.invite_status(p_invite app.invites) returns text
language sql stable set search_path = '' as $$
  select case
    when p_invite.revoked_at is not null then 'revoked'
    when p_invite.expires_at is not null and p_invite.expires_at <= now() then 'expired'
    when p_invite.max_uses is not null and p_invite.use_count >= p_invite.max_uses then 'used_up'
    else 'active' end
$$;
revoke execute on function app.invite_status(app.invites) from public;
grant execute on function app.invite_status(app.invites) to authenticated, service_role;

-- functions: the summary --------------------------------------------------------------------

-- The rows of some users recomputed from their active memberships: every organisation at or
-- below a membership at that membership's rank, every organisation above it on the path.
create function app.org_reach_refresh(p_users uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if cardinality(p_users) = 0 then
    return;
  end if;
  delete from app.org_reach r where r.user_id = any (p_users);
  insert into app.org_reach (user_id, org_id, rank, on_path)
  select x.user_id, x.org_id, max(x.rank)::smallint, bool_or(x.on_path)
    from (
      select m.user_id, d.id as org_id, app.rank_of(m.role) as rank, d.id = m.org_id as on_path
        from app.memberships m
        join app.organisations d on d.path @> array[m.org_id]
       where m.user_id = any (p_users) and m.ended_at is null
      union all
      select m.user_id, a.id, 0, true
        from app.memberships m
        join app.organisations o on o.id = m.org_id
        cross join lateral unnest(o.path) as a(id)
       where m.user_id = any (p_users) and m.ended_at is null and a.id <> m.org_id
    ) x
   group by x.user_id, x.org_id;
end
$$;
revoke execute on function app.org_reach_refresh(uuid[]) from public;

-- The whole summary from the rule (the backfill below; benchmarks after bulk loading with
-- triggers off).
create function app.org_reach_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.org_reach;
  perform app.org_reach_refresh(array(select distinct m.user_id from app.memberships m where m.ended_at is null));
end
$$;
revoke execute on function app.org_reach_rebuild() from public;
grant execute on function app.org_reach_rebuild() to service_role;

-- grants ------------------------------------------------------------------------------------
grant select, insert, update on app.organisations to authenticated;
grant select, update on app.profiles to authenticated;
grant select, update on app.profile_contacts to authenticated;
grant select, insert, update on app.memberships to authenticated;
grant select, insert, update on app.invites to authenticated;
grant select on app.invite_redemptions to authenticated;
grant select on app.audit_log to authenticated;
grant all on all tables in schema app to service_role;
grant all on app.org_reach to service_role;

reset check_function_bodies;
