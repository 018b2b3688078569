-- A roster row, and the role it carries, goes only to an account whose phone is verified.
-- Before this, the row attached when a user was inserted with its phone, and GoTrue inserts the
-- user before any SMS code is checked, so whoever claimed a secretary's number first became
-- secretary. Now the row attaches when phone_confirmed_at is set: on insert (admin-made users
-- with phone_confirm, autoconfirm), or later when /verify confirms the sign-up (type sms) or a
-- phone change (type phone_change, which also moves auth.users.phone).

-- The one place the rule lives: every path that attaches (sign-up, verify, an import that finds
-- an existing account) comes through here.
create or replace function app.attach_pending_phone(p_phone text, p_user uuid) returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_n int := 0;
  r record;
begin
  if coalesce(p_phone, '') = ''
     or not exists (select 1 from auth.users u
                     where u.id = p_user and u.phone = p_phone and u.phone_confirmed_at is not null)
     or not exists (select 1 from app.profiles p where p.user_id = p_user) then
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

create or replace function app.attach_pending_on_signup() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if coalesce(new.phone, '') = '' or new.phone_confirmed_at is null then
    return new;
  end if;
  perform app.attach_pending_phone(new.phone, new.id);
  return new;
end
$$;

-- A phone that becomes verified (first confirmation, or a confirmed change to a new number):
-- attach its waiting rows, and make it the contact phone secretaries see.
create function app.attach_pending_on_phone_confirmed() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if coalesce(new.phone, '') = '' or new.phone_confirmed_at is null then
    return new;
  end if;
  if old.phone_confirmed_at is not null and old.phone is not distinct from new.phone then
    return new;
  end if;
  update app.profile_contacts set phone = new.phone where user_id = new.id and phone is distinct from new.phone;
  perform app.attach_pending_phone(new.phone, new.id);
  return new;
end
$$;

create trigger on_auth_user_phone_confirmed_pending_members after update of phone, phone_confirmed_at on auth.users
  for each row execute function app.attach_pending_on_phone_confirmed();

revoke execute on function app.attach_pending_on_phone_confirmed() from public, anon, authenticated;
