-- One phone rule (#17). app.normalise_phone is the definition of a phone a member may give:
-- a mainland mobile 1[3-9] and nine digits, written with or without +86 / 86, with spaces,
-- dashes and brackets anywhere; stored as GoTrue stores phones, digits with the 86. The app's
-- phoneOf (src/api/auth.ts) is its copy for instant feedback and sign-in, and
-- supabase/tests/phone-rule.test.ts runs both over one list of inputs and fails on any
-- difference.
--
-- The separators are listed instead of '\s': what '\s' matches beyond ASCII depends on the
-- database's locale (PGlite's C locale: ASCII only; a server initialised with a libc UTF-8
-- locale: also U+3000), so the same input was a phone on one engine and not on another. The
-- ideographic space U+3000 is what a Chinese keyboard types in full-width mode; it is a
-- separator here and in the app. Full-width digits are refused on both sides.
create or replace function app.normalise_phone(p_phone text) returns text
language sql immutable set search_path = '' as $$
  select case
    when v ~ '^1[3-9][0-9]{9}$' then '86' || v
    when v ~ '^861[3-9][0-9]{9}$' then v
    else null
  end
  from (select regexp_replace(coalesce(p_phone, ''), '[ \t\n\r\f\v\u00a0\u3000+()-]', '', 'g') as v) x
$$;

-- update_profile stored the contact phone as it was typed (only '+', spaces and dashes taken
-- out), so a roster row, which is stored normalised, matched it only when the app had
-- normalised it first. Now the phone goes through the one rule: empty clears it, anything the
-- rule refuses is profile.phone_invalid and changes nothing.
create or replace function public.update_profile(p_display_name text, p_school text default '', p_position text default '', p_phone text default null)
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
revoke execute on function public.update_profile(text, text, text, text) from public, anon;
grant execute on function public.update_profile(text, text, text, text) to authenticated;

-- Contact phones saved before this as typed ('13900001111') take the stored form, so roster
-- matching finds them; numbers the rule refuses (a landline) are left as they were.
update app.profile_contacts c set phone = n.phone
  from (select user_id, app.normalise_phone(phone) as phone from app.profile_contacts) n
 where n.user_id = c.user_id and n.phone is not null and n.phone is distinct from c.phone;
