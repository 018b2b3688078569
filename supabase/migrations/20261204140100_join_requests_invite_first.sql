-- join_request_answer locks the invite before the membership it makes (the rule of
-- 20261204140000_core_summaries_lock.sql: own rows first, then the writes that keep summaries).
-- It counted the invite after the membership, while redeem_invite locks the invite and then
-- makes the membership: with the summaries lock between them, an approval and a redemption of
-- the same invite (its approval switched off meanwhile) would have waited for each other.
create or replace function app.join_request_answer(p_id uuid, p_approve boolean) returns jsonb
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
    -- the invite counts the person once they are in; a limit reached meanwhile does not undo
    -- the secretary's yes. Counted (and so locked) before the membership is made.
    update app.invites i set use_count = i.use_count + 1
     where i.id = v_req.invite_id and (i.max_uses is null or i.use_count < i.max_uses);
    if not exists (select 1 from app.memberships m where m.org_id = v_req.org_id and m.user_id = v_req.user_id and m.ended_at is null) then
      insert into app.memberships (org_id, user_id, role, created_by) values (v_req.org_id, v_req.user_id, v_req.role, v_uid);
    end if;
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
