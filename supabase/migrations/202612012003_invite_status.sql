-- "An invite is active" once (#17). It was written four times: invite_by_code (revoked,
-- expired), preview_invite (used up), invite_json's status and home_admin's count. Now
-- app.invite_status is the rule and each reads it. redeem_invite keeps its
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
revoke execute on function app.invite_status(app.invites) from public, anon;
grant execute on function app.invite_status(app.invites) to authenticated, service_role;

-- A code that is not revoked or expired; a used-up one is found, so that a member already in the
-- organisation who redeems it again gets the same answer (redeem_invite decides).
create or replace function app.invite_by_code(p_code text) returns app.invites
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

create or replace function app.preview_invite(p_code text) returns jsonb
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

create or replace function app.invite_json(p_invite app.invites) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p_invite.id, 'org_id', p_invite.org_id, 'code', p_invite.code,
    'role', p_invite.role, 'expires_at', p_invite.expires_at, 'max_uses', p_invite.max_uses,
    'use_count', p_invite.use_count, 'revoked_at', p_invite.revoked_at, 'created_at', p_invite.created_at,
    'status', app.invite_status(p_invite))
$$;

-- For home_summary(): what a manager has waiting, and my study hours this year.
create or replace function app.home_admin() returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'Asia/Shanghai' as $$
declare
  v_uid uuid := app.require_user();
  v_year date := date_trunc('year', now())::date;
begin
  return jsonb_build_object(
    'can_manage', exists (select 1 from app.managed_org_ids()),
    'pending_members', (select count(*) from app.pending_members pm where pm.attached_at is null)::int,
    'active_invites', (select count(*) from app.invites i where app.invite_status(i) = 'active')::int,
    'study_minutes_year', (select (l ->> 'session_minutes')::int + (l ->> 'reading_minutes')::int
                             from app.study_ledger(v_uid, null, v_year, current_date) l));
end
$$;
