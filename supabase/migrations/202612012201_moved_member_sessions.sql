-- A member moved to another branch keeps the sessions they were expected at (review of #14/#13).
--
-- app.my_session_ids (the sessions RLS lets a member see) followed today's memberships, so a
-- member moved to another branch lost the old branch's past sessions from 活动 and could not open
-- them, although the attendance record (app.attendance_facts, by who belonged on the day) still
-- counts them there. It now adds the sessions the member was expected at on the day. Such a
-- session's organisation is no longer one the member may read (RLS on app.organisations follows
-- today's memberships, and should: its roster, topics and plans are no longer theirs), so its
-- name comes through app.session_org_name, which gives a name only, only of a session's own or
-- expected organisation, only to someone who may see that session.

-- functions -------------------------------------------------------------------------------

create or replace function app.my_session_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select s.id from app.sessions s
   where s.org_id in (select app.managed_org_ids()) or s.organiser_id = auth.uid() or s.created_by = auth.uid()
  union
  select so.session_id from app.session_orgs so
   where so.org_id in (
     select unnest(o.path) from app.memberships m join app.organisations o on o.id = m.org_id
      where m.user_id = auth.uid() and m.ended_at is null)
  union
  select i.session_id from app.session_invitees i where i.user_id = auth.uid()
  union
  -- expected on the day, wherever the member belongs now
  select f.session_id from app.attendance_facts f where f.user_id = auth.uid()
$$;

-- The name of a session's organisation (or one of its expected organisations), which a member
-- who has since moved may no longer read: the name only, never the row.
create function app.session_org_name(p_session_id uuid, p_org_id uuid) returns text
language sql stable security definer set search_path = '' as $$
  select o.name from app.organisations o
   where o.id = p_org_id
     and (o.id in (select app.visible_org_ids())
          or ((exists (select 1 from app.sessions s where s.id = p_session_id and s.org_id = p_org_id)
               or exists (select 1 from app.session_orgs so where so.session_id = p_session_id and so.org_id = p_org_id))
              and app.can_see_session(p_session_id)))
$$;
revoke execute on function app.session_org_name(uuid, uuid) from public, anon;
grant execute on function app.session_org_name(uuid, uuid) to authenticated;

-- get_session (as 202612012005 left it, research topic included) and list_my_sessions as before,
-- the organisations' names through the lookup
create or replace function public.get_session(p_session_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions := app.session_or_404(p_session_id);
  v_run boolean := app.can_run_session(v_s.id);
  v_c app.checkins;
  v_l app.leave_requests;
begin
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
  select * into v_l from app.leave_requests l where l.session_id = v_s.id and l.user_id = v_uid;
  return jsonb_build_object(
    'id', v_s.id, 'org_id', v_s.org_id, 'kind', v_s.kind, 'title', v_s.title,
    'starts_at', v_s.starts_at, 'duration_minutes', v_s.duration_minutes,
    'ends_at', v_s.starts_at + make_interval(mins => v_s.duration_minutes),
    'place', v_s.place, 'checkin_opens_at', v_s.checkin_opens_at, 'checkin_closes_at', v_s.checkin_closes_at,
    'late_after_minutes', v_s.late_after_minutes,
    'cancelled_at', v_s.cancelled_at, 'server_time', now(),
    'org_name', app.session_org_name(v_s.id, v_s.org_id),
    'organiser_id', v_s.organiser_id,
    'organiser_name', (select p.display_name from app.profiles p where p.user_id = v_s.organiser_id),
    'expected_orgs', coalesce((select jsonb_agg(jsonb_build_object('id', so.org_id, 'name', coalesce(o.name, app.session_org_name(v_s.id, so.org_id))) order by o.path nulls last)
        from app.session_orgs so left join app.organisations o on o.id = so.org_id where so.session_id = v_s.id), '[]'::jsonb),
    'invitees', coalesce((select jsonb_agg(jsonb_build_object('user_id', p.user_id, 'display_name', p.display_name) order by p.display_name)
        from app.session_invitees i join app.profiles p on p.user_id = i.user_id where i.session_id = v_s.id), '[]'::jsonb),
    'reading_ids', coalesce((select jsonb_agg(r.reading_id order by r.sort_order)
        from app.session_readings r where r.session_id = v_s.id), '[]'::jsonb),
    'readings', coalesce((select jsonb_agg(jsonb_build_object('id', rd.id, 'title', rd.title) order by r.sort_order)
        from app.session_readings r join app.readings rd on rd.id = r.reading_id where r.session_id = v_s.id), '[]'::jsonb),
    'minutes', jsonb_build_object('topic', v_s.minutes_topic, 'speakers', v_s.minutes_speakers,
        'decisions', v_s.minutes_decisions, 'updated_at', v_s.minutes_updated_at),
    'expected', app.is_expected(v_s.id, v_uid),
    'can_run', v_run,
    'my_status', app.status_of(v_s, v_c.status, v_l.status),
    'my_checkin', case when v_c.id is null then null else app.checkin_json(v_c) end,
    'my_leave', case when v_l.id is null then null else jsonb_build_object('id', v_l.id, 'status', v_l.status,
        'reason', v_l.reason, 'created_at', v_l.created_at, 'decided_at', v_l.decided_at) end,
    'makeup_completed_at', (select m.completed_at from app.makeups m where m.session_id = v_s.id and m.user_id = v_uid),
    'counts', case when v_run then app.session_counts(v_s.id) else null end,
    -- the research topic a 专题调研 works on (null for other kinds, even if one was linked
    -- before its kind was changed)
    'research_topic', case when v_s.kind = 'research' then (
        select jsonb_build_object('id', t.id, 'title', t.title, 'brief', t.brief, 'org_name', o.name)
          from app.research_topic_sessions l
          join app.research_topics t on t.id = l.topic_id
          join app.organisations o on o.id = t.org_id
         where l.session_id = v_s.id) end);
end
$$;
revoke execute on function public.get_session(uuid) from public, anon;
grant execute on function public.get_session(uuid) to authenticated;

create or replace function public.list_my_sessions(p_scope text default 'upcoming'::text, p_before timestamp with time zone default NULL::timestamp with time zone, p_limit integer default 20) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_scope is null or p_scope not in ('upcoming', 'past') then
    raise exception using message = 'sessions.scope_invalid', errcode = 'P0001';
  elsif p_limit is null or p_limit not between 1 and 100 then
    raise exception using message = 'sessions.limit_invalid', errcode = 'P0001';
  end if;
  return coalesce((
    select jsonb_agg(x.j order by case when p_scope = 'upcoming' then x.starts_at end,
                                  case when p_scope = 'past' then x.starts_at end desc)
      from (
        select s.starts_at, jsonb_build_object(
            'id', s.id, 'kind', s.kind, 'title', s.title, 'starts_at', s.starts_at,
            'duration_minutes', s.duration_minutes, 'place', s.place, 'cancelled_at', s.cancelled_at,
            'checkin_opens_at', s.checkin_opens_at, 'checkin_closes_at', s.checkin_closes_at,
            'org_name', app.session_org_name(s.id, s.org_id),
            'can_run', s.org_id in (select app.managed_org_ids()) or s.organiser_id = v_uid,
            'my_status', case when app.is_expected(s.id, v_uid) then app.status_of(s, c.status, l.status) end) as j
          from app.sessions s
          left join app.checkins c on c.session_id = s.id and c.user_id = v_uid
          left join app.leave_requests l on l.session_id = s.id and l.user_id = v_uid
         where case when p_scope = 'upcoming' then s.checkin_closes_at >= now()
                    else s.checkin_closes_at < now() end
           and (p_before is null or (case when p_scope = 'upcoming' then s.starts_at > p_before else s.starts_at < p_before end))
         order by case when p_scope = 'upcoming' then s.starts_at end,
                  case when p_scope = 'past' then s.starts_at end desc
         limit p_limit
      ) x), '[]'::jsonb);
end
$$;
