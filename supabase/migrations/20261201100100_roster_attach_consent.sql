-- One rule for roster rows and verified phones, where the verified-phone rule (20261201030100)
-- and the invitations (202612010701) meet: a roster row attaches by itself only to a verified
-- phone whose account belongs to no organisation yet (a new member signing up, or confirming the
-- number they signed up with). Anyone who already belongs somewhere — a teacher of another school
-- who adds or changes their phone — is asked instead: the row stays waiting and shows on their
-- 我的 as an invitation (app.roster_requests_for_me), and only their answer makes them a member.

create or replace function app.attach_pending_phone(p_phone text, p_user uuid) returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_n int := 0;
  r record;
begin
  if coalesce(p_phone, '') = ''
     or not exists (select 1 from auth.users u
                     where u.id = p_user and u.phone = p_phone and u.phone_confirmed_at is not null)
     or not exists (select 1 from app.profiles p where p.user_id = p_user)
     or exists (select 1 from app.memberships m where m.user_id = p_user and m.ended_at is null) then
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
revoke execute on function app.attach_pending_phone(text, uuid) from public, anon, authenticated;
