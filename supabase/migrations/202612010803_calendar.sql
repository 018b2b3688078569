-- Calendar: the member's upcoming sessions (those they are expected at or organise) as the
-- app turns them into one .ics file, so the phone's own calendar reminds them offline.

-- functions ---------------------------------------------------------------------------------

-- the next 180 days, at most 100; cancelled ones too (the .ics says CANCELLED, so a calendar
-- that imported them earlier drops them)
create function public.my_calendar() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return coalesce((
    select jsonb_agg(x.j order by x.starts_at)
      from (
        select s.starts_at, jsonb_build_object(
            'id', s.id, 'title', s.title, 'starts_at', s.starts_at, 'duration_minutes', s.duration_minutes,
            'place', s.place, 'cancelled_at', s.cancelled_at, 'updated_at', s.updated_at,
            'org_name', (select o.name from app.organisations o where o.id = s.org_id),
            'organiser_name', (select p.display_name from app.profiles p where p.user_id = s.organiser_id)) as j
          from app.sessions s
         where s.id in (select app.my_session_ids())
           and s.starts_at + make_interval(mins => s.duration_minutes) > now()
           and s.starts_at < now() + interval '180 days'
           and (s.organiser_id = v_uid or app.is_expected(s.id, v_uid))
         order by s.starts_at
         limit 100) x), '[]'::jsonb);
end
$$;

-- grants ------------------------------------------------------------------------------------

revoke execute on function public.my_calendar() from public, anon;
grant execute on function public.my_calendar() to authenticated;
