-- Check-in codes that cannot be guessed or replayed (#13.3) and a grace period before a
-- check-in counts as late (#14.3).
--
-- Wrong codes are counted per member and session. A refusal that raises rolls its transaction
-- back, and with it the count, so the one refusal that must keep a write (a wrong code) does not
-- raise: it returns PostgREST's error shape and sets `response.status` (PostgREST answers with
-- that status and commits, as it does for any function that returns). Every other refusal
-- raises and changes nothing.

-- tables ------------------------------------------------------------------------------------

alter table app.sessions add column late_after_minutes int not null default 5
  check (late_after_minutes between 0 and 60);
comment on column app.sessions.late_after_minutes is
  'Grace period: a check-in up to this many minutes after starts_at counts as present, later as late.';

create table app.checkin_attempts (
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  attempts int not null default 0,
  last_at timestamptz not null default now(),
  primary key (session_id, user_id)
);
comment on table app.checkin_attempts is
  'Codes a member has tried at a session (written only by app.check_in). At app.checkin_max_attempts() the member must ask the organiser.';

-- indexes -----------------------------------------------------------------------------------

create index checkin_attempts_user_id_idx on app.checkin_attempts (user_id);

-- RLS ---------------------------------------------------------------------------------------

alter table app.checkin_attempts enable row level security;
create policy checkin_attempts_select on app.checkin_attempts for select to authenticated using (false);
grant all on app.checkin_attempts to service_role;

-- functions: rules --------------------------------------------------------------------------

-- The limit of code attempts per member and session. At any moment the server accepts 3 codes
-- (the step of the time checked, the one before and the one after) out of 10^6; an offline claim
-- chooses its time but still meets 3 codes per try, and a code shown earlier is refused like any
-- wrong code (no oracle). So a member outside the hall who guesses succeeds with probability at
-- most 10 tries × 3 / 1,000,000 = 3 × 10^-5 = 1 in 33,333 per session — below 1 in 10,000.
-- Ten still leaves a member who mistypes several times room to succeed.
create function app.checkin_max_attempts() returns int
language plpgsql immutable set search_path = '' as $$ begin return 10; end $$;

-- An offline check-in is sent when the phone is back online: accepted up to this long after the
-- moment it claims, and never once the session has ended (its record is then closed).
create function app.offline_claim_window() returns interval
language plpgsql immutable set search_path = '' as $$ begin return interval '60 minutes'; end $$;

-- present up to late_after_minutes after the start, late after that (plpgsql, as the other
-- helpers a check-in calls: see 202612010403_sessions_hot_helpers.sql)
create function app.arrival_status(p_session app.sessions, p_at timestamptz) returns text
language plpgsql immutable set search_path = '' as $$
begin
  return case when p_at > p_session.starts_at + make_interval(mins => p_session.late_after_minutes)
              then 'late' else 'present' end;
end
$$;

-- A refusal that keeps what the caller wrote: PostgREST's error body, the HTTP status set
-- through response.status (the transaction commits because nothing raised).
create function app.refusal(p_key text, p_status int, p_code text) returns jsonb
language plpgsql volatile set search_path = '' as $$
begin
  perform set_config('response.status', p_status::text, true);
  return jsonb_build_object('code', p_code, 'details', null, 'hint', null, 'message', p_key);
end
$$;

-- from the user's few memberships up their paths; plpgsql so that its query is planned once per
-- connection rather than on every call (it runs on every check-in)
create or replace function app.is_expected(p_session uuid, p_user uuid) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  return exists (select 1 from app.session_invitees i where i.session_id = p_session and i.user_id = p_user)
      or exists (
        select 1 from app.memberships m
          join app.organisations o on o.id = m.org_id
          join app.session_orgs so on so.session_id = p_session and so.org_id = any (o.path)
         where m.user_id = p_user and m.ended_at is null);
end
$$;

-- functions: check-in -----------------------------------------------------------------------

-- Verifies a code and records the check-in. Authorisation first (seeing the session, being
-- expected), then a repeat is acknowledged, then the window, then the attempt limit, then the code.
create or replace function app.check_in(p_id uuid, p_session uuid, p_code text, p_method text, p_claimed_at timestamptz)
returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions;
  v_c app.checkins;
  v_at timestamptz;
  v_step bigint;
  v_code text := btrim(coalesce(p_code, ''));
  v_secret bytea;
  v_method text := case when p_claimed_at is not null then 'offline' else coalesce(p_method, 'code') end;
  v_attempts int;
begin
  if p_id is null or p_session is null then
    raise exception using message = 'checkin.id_required', errcode = 'P0001';
  end if;
  if p_method is not null and p_method not in ('code', 'qr') then
    raise exception using message = 'checkin.method_invalid', errcode = 'P0001';
  end if;
  select * into v_c from app.checkins c where c.id = p_id;
  if found then
    if v_c.user_id <> v_uid or v_c.session_id <> p_session then
      raise exception using message = 'checkin.id_conflict', errcode = 'PT409';
    end if;
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  -- not visible and not expected read the same to a member: they are not expected there
  select * into v_s from app.sessions s where s.id = p_session;
  if not found then
    raise exception using message = 'sessions.not_found', errcode = 'PT404';
  end if;
  if not app.is_expected(v_s.id, v_uid) then
    raise exception using message = 'checkin.not_expected', errcode = '42501';
  end if;
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
  if found then
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  if v_s.cancelled_at is not null then
    raise exception using message = 'checkin.cancelled', errcode = 'P0001';
  end if;
  if v_code !~ '^[0-9]{6}$' then
    raise exception using message = 'checkin.code_invalid', errcode = 'P0001';
  end if;
  if p_claimed_at is not null then
    if p_claimed_at > now() then
      raise exception using message = 'checkin.claimed_in_future', errcode = 'P0001';
    end if;
    if now() > v_s.starts_at + make_interval(mins => v_s.duration_minutes) then
      raise exception using message = 'checkin.record_closed', errcode = 'P0001';
    end if;
    if p_claimed_at < now() - app.offline_claim_window() then
      raise exception using message = 'checkin.claim_too_old', errcode = 'P0001';
    end if;
    if p_claimed_at < v_s.checkin_opens_at or p_claimed_at > v_s.checkin_closes_at then
      raise exception using message = 'checkin.outside_window', errcode = 'P0001';
    end if;
    v_at := p_claimed_at;
  else
    v_at := now();
    if v_at < v_s.checkin_opens_at then
      raise exception using message = 'checkin.not_open', errcode = 'P0001',
        detail = to_char(v_s.checkin_opens_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        hint = to_char(v_s.checkin_opens_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    end if;
    if v_at > v_s.checkin_closes_at then
      raise exception using message = 'checkin.closed', errcode = 'P0001';
    end if;
  end if;
  -- every code tried is counted before it is compared; the row lock makes a member's parallel
  -- tries wait for each other, so a burst cannot test more codes than the limit
  insert into app.checkin_attempts as a (session_id, user_id, attempts) values (v_s.id, v_uid, 1)
  on conflict (session_id, user_id) do update set attempts = a.attempts + 1, last_at = now()
  returning a.attempts into v_attempts;
  if v_attempts > app.checkin_max_attempts() then
    raise exception using message = 'checkin.too_many_attempts', errcode = 'PT429';
  end if;
  v_step := app.step_of(v_at);
  select ss.secret into v_secret from app.session_secrets ss where ss.session_id = v_s.id;
  if v_code not in (app.code_of(v_secret, v_step), app.code_of(v_secret, v_step - 1),
                    app.code_of(v_secret, v_step + 1)) then
    -- a code shown earlier answers as any wrong code does: nothing tells a guesser it was real
    return app.refusal('checkin.code_invalid', 400, 'P0001');
  end if;
  insert into app.checkins (id, session_id, user_id, status, method, checked_at, claimed_at)
  values (p_id, v_s.id, v_uid, app.arrival_status(v_s, v_at), v_method, now(), p_claimed_at)
  on conflict do nothing
  returning * into v_c;
  if v_c.id is null then
    -- a concurrent request of the same member won
    select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  return jsonb_build_object('status', 'ok', 'checkin', app.checkin_json(v_c));
end
$$;

-- The attendance sheet: every expected member with status and time, leave requests included;
-- offline check-ins say so (claimed on the phone at claimed_at, received at checked_at), and a
-- member who has used up their code attempts is flagged so the organiser can mark them by hand.
create or replace function app.attendance_sheet(p_session uuid) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_s app.sessions := app.require_run_session(p_session);
begin
  return jsonb_build_object(
    'session_id', v_s.id,
    'starts_at', v_s.starts_at,
    'late_after_minutes', v_s.late_after_minutes,
    'counts', app.session_counts(v_s.id),
    'rows', coalesce((
      select jsonb_agg(jsonb_build_object(
          'user_id', e.user_id, 'display_name', p.display_name,
          'org_name', coalesce(o.name, ''), 'invitee', e.org_id is null,
          'status', app.status_of(v_s, c.status, l.status),
          'method', c.method, 'checked_at', c.checked_at, 'claimed_at', c.claimed_at,
          'offline', coalesce(c.claimed_at is not null, false),
          'code_locked', c.id is null and coalesce(a.attempts >= app.checkin_max_attempts(), false),
          'reason', c.reason, 'marked_by_name', mb.display_name,
          'leave', case when l.id is null then null else jsonb_build_object(
            'id', l.id, 'status', l.status, 'reason', l.reason, 'created_at', l.created_at) end)
          order by o.name nulls last, p.display_name)
        from app.session_expected(v_s.id) e
        join app.profiles p on p.user_id = e.user_id
        left join app.organisations o on o.id = e.org_id
        left join app.checkins c on c.session_id = v_s.id and c.user_id = e.user_id
        left join app.profiles mb on mb.user_id = c.marked_by
        left join app.leave_requests l on l.session_id = v_s.id and l.user_id = e.user_id
        left join app.checkin_attempts a on a.session_id = v_s.id and a.user_id = e.user_id), '[]'::jsonb));
end
$$;

-- functions: the API ------------------------------------------------------------------------

-- the same as before, with the grace period (p_late_after_minutes, default 5)
drop function public.save_session(uuid, uuid, text, text, timestamptz, int, text, uuid[], uuid[], timestamptz, timestamptz, uuid[]);
create function public.save_session(
  p_id uuid, p_org_id uuid, p_kind text, p_title text, p_starts_at timestamptz, p_duration_minutes int,
  p_place text default '', p_expected_org_ids uuid[] default null, p_invitee_ids uuid[] default '{}',
  p_checkin_opens_at timestamptz default null, p_checkin_closes_at timestamptz default null,
  p_reading_ids uuid[] default '{}', p_late_after_minutes int default 5)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := btrim(coalesce(p_title, ''));
  v_place text := btrim(coalesce(p_place, ''));
  v_grace int := coalesce(p_late_after_minutes, 5);
  v_opens timestamptz := coalesce(p_checkin_opens_at, p_starts_at - interval '30 minutes');
  v_closes timestamptz := coalesce(p_checkin_closes_at, p_starts_at + greatest(interval '15 minutes', make_interval(mins => coalesce(p_late_after_minutes, 5) + 10)));
  v_orgs uuid[] := coalesce(p_expected_org_ids, array[p_org_id]);
  v_invitees uuid[] := coalesce(p_invitee_ids, '{}');
  v_existing app.sessions;
begin
  if p_id is null then
    raise exception using message = 'sessions.id_required', errcode = 'P0001';
  elsif p_kind is null or not (public.session_kinds() ? p_kind) then
    raise exception using message = 'sessions.kind_invalid', errcode = 'P0001';
  elsif v_title = '' then
    raise exception using message = 'sessions.title_required', errcode = 'P0001';
  elsif char_length(v_title) > 60 then
    raise exception using message = 'sessions.title_too_long', errcode = 'P0001';
  elsif char_length(v_place) > 60 then
    raise exception using message = 'sessions.place_too_long', errcode = 'P0001';
  elsif p_starts_at is null then
    raise exception using message = 'sessions.starts_required', errcode = 'P0001';
  elsif p_duration_minutes is null or p_duration_minutes not between 5 and 720 then
    raise exception using message = 'sessions.duration_invalid', errcode = 'P0001';
  elsif v_grace not between 0 and 60 then
    raise exception using message = 'sessions.grace_invalid', errcode = 'P0001';
  elsif v_closes > p_starts_at + make_interval(mins => p_duration_minutes) and p_checkin_closes_at is null then
    -- the default close (start + 15 minutes, or grace + 10) is cut to a short session's end
    v_closes := p_starts_at + make_interval(mins => p_duration_minutes);
  end if;
  if v_opens > p_starts_at or v_closes < p_starts_at or v_closes <= v_opens
     or v_closes > p_starts_at + make_interval(mins => p_duration_minutes) then
    raise exception using message = 'sessions.window_invalid', errcode = 'P0001';
  elsif cardinality(v_orgs) = 0 and cardinality(v_invitees) = 0 then
    raise exception using message = 'sessions.nobody_expected', errcode = 'P0001';
  elsif cardinality(v_orgs) > 50 or cardinality(v_invitees) > 50 or cardinality(coalesce(p_reading_ids, '{}')) > 20 then
    raise exception using message = 'sessions.too_many', errcode = 'P0001';
  end if;
  select * into v_existing from app.sessions s where s.id = p_id;
  if found then
    if not app.can_run_session(p_id) then
      raise exception using message = 'sessions.forbidden', errcode = '42501';
    end if;
    if v_existing.org_id <> p_org_id then
      raise exception using message = 'sessions.org_fixed', errcode = 'P0001';
    end if;
  elsif p_org_id is null or not app.can_manage(p_org_id) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  if exists (select 1 from unnest(v_orgs) x where x is null or x not in (select app.managed_org_ids())) then
    raise exception using message = 'sessions.expected_org_forbidden', errcode = '42501';
  end if;
  if (select count(*) from app.profiles p where p.user_id = any (v_invitees)) <> cardinality(array(select distinct unnest(v_invitees))) then
    raise exception using message = 'sessions.invitee_not_found', errcode = 'P0001';
  end if;

  if v_existing.id is null then
    begin
      insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id,
        checkin_opens_at, checkin_closes_at, late_after_minutes, created_by)
      values (p_id, p_org_id, p_kind, v_title, p_starts_at, p_duration_minutes, v_place, v_uid, v_opens, v_closes, v_grace, v_uid);
    exception when unique_violation then
      -- the id is taken by a session the caller cannot see
      raise exception using message = 'sessions.id_conflict', errcode = 'PT409';
    end;
    perform app.audit(p_org_id, 'session.create', p_id, jsonb_build_object('title', v_title));
  else
    update app.sessions set kind = p_kind, title = v_title, starts_at = p_starts_at,
           duration_minutes = p_duration_minutes, place = v_place,
           checkin_opens_at = v_opens, checkin_closes_at = v_closes, late_after_minutes = v_grace
     where id = p_id;
    delete from app.session_orgs where session_id = p_id and org_id <> all (v_orgs);
    delete from app.session_invitees where session_id = p_id and user_id <> all (v_invitees);
    delete from app.session_readings where session_id = p_id and reading_id <> all (coalesce(p_reading_ids, '{}'));
  end if;
  insert into app.session_orgs (session_id, org_id) select p_id, x from unnest(v_orgs) x on conflict do nothing;
  insert into app.session_invitees (session_id, user_id) select p_id, x from unnest(v_invitees) x on conflict do nothing;
  insert into app.session_readings (session_id, reading_id, sort_order)
  select p_id, x, n from unnest(coalesce(p_reading_ids, '{}')) with ordinality as r(x, n) on conflict do nothing;
  return public.get_session(p_id);
end
$$;

-- the session as before, with its grace period
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
    'org_name', (select o.name from app.organisations o where o.id = v_s.org_id),
    'organiser_id', v_s.organiser_id,
    'organiser_name', (select p.display_name from app.profiles p where p.user_id = v_s.organiser_id),
    'expected_orgs', coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name) order by o.path)
        from app.session_orgs so join app.organisations o on o.id = so.org_id where so.session_id = v_s.id), '[]'::jsonb),
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
    'counts', case when v_run then app.session_counts(v_s.id) else null end);
end
$$;

-- grants ------------------------------------------------------------------------------------

-- called only inside the security definer functions above
revoke execute on function app.checkin_max_attempts(), app.offline_claim_window(),
  app.arrival_status(app.sessions, timestamptz), app.refusal(text, int, text) from public, anon, authenticated;
grant execute on function app.checkin_max_attempts(), app.offline_claim_window(),
  app.arrival_status(app.sessions, timestamptz), app.refusal(text, int, text) to service_role;
revoke execute on function public.save_session(uuid, uuid, text, text, timestamptz, int, text, uuid[], uuid[], timestamptz, timestamptz, uuid[], int) from public, anon;
grant execute on function public.save_session(uuid, uuid, text, text, timestamptz, int, text, uuid[], uuid[], timestamptz, timestamptz, uuid[], int) to authenticated;
