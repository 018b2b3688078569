-- "A member asked to join" (#16): an invite a secretary marks 需审批 does not admit at once.
-- Whoever opens it asks to join; the organisation's own secretaries hear it in 消息 and
-- approve or decline on /admin/join-requests; the asker hears the answer and, if approved, has
-- the membership (with the invite's role).
--
-- Why an invite flag rather than a branch directory anyone may ask: the invite code is already
-- how people find an organisation, and it proves a secretary shared it, so a stranger cannot
-- fill every branch's 消息 with requests. Natural key: one request per (invite, person), as
-- invite_redemptions; a declined person cannot ask again through the same invite (a new one
-- from the secretary lets them). Writes carry a client-made id, so a retried tap adds nothing.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- tables ------------------------------------------------------------------------------------
comment on column app.invites.needs_approval is 'True: opening the invite asks to join (app.join_requests) instead of admitting at once.';

create table app.join_requests (
  id uuid primary key,
  invite_id uuid not null references app.invites (id) on delete cascade,
  org_id uuid not null references app.organisations (id),
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  role text not null check (role in ('member', 'committee')),
  status text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
  created_at timestamptz not null default now(),
  answered_at timestamptz,
  answered_by uuid references app.profiles (user_id) on delete set null,
  constraint join_requests_once unique (invite_id, user_id),
  constraint join_requests_answered check ((status = 'pending') = (answered_at is null))
);

comment on table app.join_requests is 'A person asking to join an organisation through an invite that needs approval; answered by its secretaries.';

-- indexes -----------------------------------------------------------------------------------
create index join_requests_org_pending_idx on app.join_requests (org_id, created_at desc) where status = 'pending';
create index join_requests_org_id_idx on app.join_requests (org_id);
create index join_requests_user_id_idx on app.join_requests (user_id);
create index join_requests_answered_by_idx on app.join_requests (answered_by);

-- RLS ---------------------------------------------------------------------------------------

-- the asker and those who manage the organisation; nobody writes except through the functions
alter table app.join_requests enable row level security;

create policy join_requests_select on app.join_requests for select to authenticated
  using (user_id = (select auth.uid()) or org_id in (select app.managed_org_ids()));

create function app.join_request_json(r app.join_requests) returns jsonb
language sql stable security definer set search_path = '' as $$
  select jsonb_build_object('id', r.id, 'org_id', r.org_id, 'org_name', o.name, 'role', r.role,
    'status', r.status, 'created_at', r.created_at, 'answered_at', r.answered_at,
    'user_id', r.user_id, 'display_name', p.display_name, 'school', p.school, 'position', p.position)
    from app.organisations o, app.profiles p
   where o.id = r.org_id and p.user_id = r.user_id
$$;
revoke execute on function app.join_request_json(app.join_requests) from public;

-- Whether redeeming this code must go through a request (an approval invite, and I am not in
-- the organisation yet: a member who opens it again gets invite_redeem's same answer).
create function app.invite_needs_approval(p_code text) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from app.invites i
     where i.code = upper(btrim(coalesce(p_code, ''))) and i.needs_approval
       and not exists (select 1 from app.memberships m
                        where m.org_id = i.org_id and m.user_id = auth.uid() and m.ended_at is null))
$$;
revoke execute on function app.invite_needs_approval(text) from public;
grant execute on function app.invite_needs_approval(text) to anon, authenticated;

-- Ask to join through an approval invite. Keyed by p_id (a retry returns the same request) and
-- by (invite, me): opening the link again shows the request already made, whatever its answer.
create function app.join_request_create(p_id uuid, p_code text) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_req app.join_requests;
  v_invite app.invites;
begin
  if p_id is null then
    raise exception using message = 'join.id_required', errcode = 'P0001';
  end if;
  select * into v_req from app.join_requests r where r.id = p_id;
  if found then
    if v_req.user_id <> v_uid then
      raise exception using message = 'join.id_conflict', errcode = 'PT409';
    end if;
    return app.join_request_json(v_req);
  end if;
  v_invite := app.invite_by_code(p_code);
  select * into v_req from app.join_requests r where r.invite_id = v_invite.id and r.user_id = v_uid;
  if found then
    return app.join_request_json(v_req);
  end if;
  if not v_invite.needs_approval then
    raise exception using message = 'join.no_approval_needed', errcode = 'P0001';
  end if;
  if exists (select 1 from app.memberships m where m.org_id = v_invite.org_id and m.user_id = v_uid and m.ended_at is null) then
    raise exception using message = 'join.already_member', errcode = 'PT409';
  end if;
  if app.invite_status(v_invite) = 'used_up' then
    raise exception using message = 'invite.used_up', errcode = 'P0001';
  end if;
  if exists (select 1 from app.organisations o where o.id = v_invite.org_id and o.retired_at is not null) then
    raise exception using message = 'invite.org_retired', errcode = 'P0001';
  end if;
  insert into app.join_requests (id, invite_id, org_id, user_id, role)
  values (p_id, v_invite.id, v_invite.org_id, v_uid, v_invite.role)
  on conflict do nothing
  returning * into v_req;
  if v_req.id is null then
    -- the same person asked at the same moment through another id: answer with that request
    select * into v_req from app.join_requests r where r.invite_id = v_invite.id and r.user_id = v_uid;
  end if;
  return app.join_request_json(v_req);
end
$$;
revoke execute on function app.join_request_create(uuid, text) from public;
grant execute on function app.join_request_create(uuid, text) to authenticated;

-- A secretary (or anyone above the organisation) answers. Answering again the same way returns
-- the same and changes nothing; the other way round after an answer is a conflict.
create function app.join_request_answer(p_id uuid, p_approve boolean) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_req app.join_requests;
  v_status text := case when p_approve then 'approved' else 'declined' end;
begin
  if p_approve is null then
    raise exception using message = 'join.answer_required', errcode = 'P0001';
  end if;
  select * into v_req from app.join_requests r where r.id = p_id for update;
  if not found or not (v_req.user_id = v_uid or app.can_manage(v_req.org_id)) then
    raise exception using message = 'join.not_found', errcode = 'PT404';
  end if;
  if not app.can_manage(v_req.org_id) then
    raise exception using message = 'join.not_allowed', errcode = '42501';
  end if;
  if v_req.status = v_status then
    return app.join_request_json(v_req);
  elsif v_req.status <> 'pending' then
    raise exception using message = 'join.already_answered', errcode = 'PT409';
  end if;
  if p_approve then
    if exists (select 1 from app.organisations o where o.id = v_req.org_id and o.retired_at is not null) then
      raise exception using message = 'invite.org_retired', errcode = 'P0001';
    end if;
    if not exists (select 1 from app.memberships m where m.org_id = v_req.org_id and m.user_id = v_req.user_id and m.ended_at is null) then
      insert into app.memberships (org_id, user_id, role, created_by) values (v_req.org_id, v_req.user_id, v_req.role, v_uid);
    end if;
    -- the invite counts the person once they are in; a limit reached meanwhile does not undo
    -- the secretary's yes
    update app.invites i set use_count = i.use_count + 1
     where i.id = v_req.invite_id and (i.max_uses is null or i.use_count < i.max_uses);
    insert into app.invite_redemptions (invite_id, user_id) values (v_req.invite_id, v_req.user_id) on conflict do nothing;
  end if;
  update app.join_requests r set status = v_status, answered_at = now(), answered_by = v_uid
   where r.id = v_req.id returning * into v_req;
  perform app.audit(v_req.org_id, 'join.' || case when p_approve then 'approve' else 'decline' end, v_req.id,
    jsonb_build_object('name', (select p.display_name from app.profiles p where p.user_id = v_req.user_id), 'role', v_req.role));
  return app.join_request_json(v_req);
end
$$;
revoke execute on function app.join_request_answer(uuid, boolean) from public;
grant execute on function app.join_request_answer(uuid, boolean) to authenticated;

-- What /admin/join-requests shows: requests waiting in the organisations I manage, then those
-- answered in the last 30 days.
create function app.join_requests_for_manager() returns jsonb
language sql stable security definer set search_path = '' as $$
  select coalesce(jsonb_agg(app.join_request_json(r) order by (r.status = 'pending') desc, r.created_at desc), '[]')
    from (select * from app.join_requests r
           where r.org_id in (select app.managed_org_ids())
             and (r.status = 'pending' or r.answered_at > now() - interval '30 days')
           order by (r.status = 'pending') desc, r.created_at desc limit 200) r
$$;
revoke execute on function app.join_requests_for_manager() from public;
grant execute on function app.join_requests_for_manager() to authenticated;

-- triggers: the inbox -----------------------------------------------------------------------

-- The organisation's own secretaries hear of the request once (the key is the request);
-- the asker hears the answer once.
create function app.inbox_on_join_request() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_params jsonb := jsonb_build_object('request_id', new.id, 'org_id', new.org_id,
    'org', (select o.name from app.organisations o where o.id = new.org_id),
    'member', (select p.display_name from app.profiles p where p.user_id = new.user_id));
begin
  if tg_op = 'INSERT' then
    perform app.inbox_add(array(select x from unnest(app.org_secretaries(new.org_id)) x where x <> new.user_id),
      'join_requested', 'join_requested:' || new.id, '/admin/join-requests', v_params, new.created_at, new.user_id);
  elsif new.status <> 'pending' and old.status = 'pending' then
    perform app.inbox_add(array[new.user_id], 'join_' || new.status, 'join_answered:' || new.id, '/me',
      v_params, new.answered_at, new.answered_by);
  end if;
  return null;
end
$$;
revoke execute on function app.inbox_on_join_request() from public;

create trigger join_requests_inbox after insert or update of status on app.join_requests
  for each row execute function app.inbox_on_join_request();

-- functions: the API ------------------------------------------------------------------------
create function public.join_request_create(p_id uuid, p_code text) returns jsonb
language sql security invoker set search_path = '' as $$
  select app.join_request_create(p_id, p_code)
$$;
revoke execute on function public.join_request_create(uuid, text) from public, anon;
grant execute on function public.join_request_create(uuid, text) to authenticated;

create function public.join_request_answer(p_id uuid, p_approve boolean) returns jsonb
language sql security invoker set search_path = '' as $$
  select app.join_request_answer(p_id, p_approve)
$$;
revoke execute on function public.join_request_answer(uuid, boolean) from public, anon;
grant execute on function public.join_request_answer(uuid, boolean) to authenticated;

create function public.join_request_list() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.join_requests_for_manager()
$$;
revoke execute on function public.join_request_list() from public, anon;
grant execute on function public.join_request_list() to authenticated;

-- Marks an invite 需审批 or not (the invite form calls it right after invite_create, before the
-- code is shown to be shared). Setting what is already set changes and audits nothing.
create function public.invite_set_approval(p_invite_id uuid, p_needs_approval boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_invite app.invites;
begin
  perform app.require_user();
  select * into v_invite from app.invites i where i.id = p_invite_id;
  if not found then
    raise exception using message = 'admin.invite_not_found', errcode = 'PT404';
  end if;
  perform app.require_manage(v_invite.org_id);
  if p_needs_approval is null then
    raise exception using message = 'admin.approval_invalid', errcode = 'P0001';
  end if;
  if v_invite.needs_approval <> p_needs_approval then
    update app.invites i set needs_approval = p_needs_approval where i.id = v_invite.id returning * into v_invite;
    perform app.audit(v_invite.org_id, 'invite.approval', v_invite.id,
      jsonb_build_object('code', v_invite.code, 'needs_approval', p_needs_approval));
  end if;
  return app.invite_json(v_invite);
end
$$;
revoke execute on function public.invite_set_approval(uuid, boolean) from public, anon;
grant execute on function public.invite_set_approval(uuid, boolean) to authenticated;

-- grants ------------------------------------------------------------------------------------
grant select on app.join_requests to authenticated;
grant all on app.join_requests to service_role;

reset check_function_bodies;
