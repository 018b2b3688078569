-- Inbox (消息): one line per thing that concerns a member, fed by the database.
--
-- Events (a session scheduled / moved / cancelled, leave decided, a plan assigned, a reply
-- quoting me, a topic I posted in closed, and for secretaries a leave request waiting and a
-- roster import finished) are written by triggers, so every path that changes the rows (API
-- function, seed, a secretary's later edit) tells the same people, once.
--
-- Time-based reminders (a session tomorrow / in an hour, a make-up due, a plan due in three
-- days with sections unread) are written by app.inbox_refresh(user, now) when the member's
-- inbox or unread count is read: no cron job (the local stack has none, and a hosted project
-- would need pg_cron and a tick for every member). Each reminder has a natural key
-- (kind + subject + the moment it is about), so however often the inbox is read, it appears
-- exactly once; its created_at is the moment it became due, not the moment it was computed.
-- What this cannot do is reach a member who does not open the app: that is what the .ics
-- (the phone's own calendar) and Web Push are for.
--
-- Kept for a year: app.inbox_refresh drops the member's items older than that.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- tables ------------------------------------------------------------------------------------
create table app.inbox_items (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  kind text not null check (kind in ('session_scheduled', 'session_moved',
  'session_cancelled', 'session_tomorrow', 'session_soon', 'leave_approved', 'leave_declined', 'makeup_assigned',
  'plan_assigned', 'plan_due', 'post_quoted', 'topic_closed', 'leave_waiting', 'roster_imported', 'member_joined',
  'join_requested', 'join_approved', 'join_declined')),
  -- the event's natural key: a trigger firing twice or a reminder computed twice adds nothing
  dedupe_key text not null check (char_length(dedupe_key) <= 200),
  -- what the one line says (title, time, place…); the app renders it through i18n
  params jsonb not null default '{}' check (jsonb_typeof(params) = 'object'),
  -- the app route where it can be acted on
  link text not null check (link ~ '^/[A-Za-z0-9/_-]*$'),
  created_at timestamptz not null default now(),
  read_at timestamptz,
  constraint inbox_items_once unique (user_id, dedupe_key)
);

comment on table app.inbox_items is 'A member''s inbox (消息): one row per event or reminder that concerns them; dedupe_key makes each appear once.';

create table app.inbox_muted (
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  kind text not null,
  primary key (user_id, kind)
);

comment on table app.inbox_muted is 'Kinds of inbox items a member turned off in 我的 (no row: on).';

-- Web Push (#16.3): where the browser has it, a new inbox item is also pushed to the member's
-- phones. An addition to the inbox, never instead of it: WeChat's in-app browser and many
-- mainland browsers have no PushManager, and a push that never arrives loses nothing.
--
-- Storage: one row per browser subscription, keyed by its endpoint (a browser has one per
-- origin); the row's id is made on the phone, so a retried save never doubles it. A member sees
-- and removes only their own. On a shared phone the endpoint moves to whoever subscribed last.
--
-- Sending: a trigger on app.inbox_items posts the new item to the `push` Edge Function
-- (supabase/functions/push) through pg_net, as a Supabase database webhook does, when pg_net is
-- installed and app.push_settings holds the function's URL and secret. Without them (the local
-- stack has no pg_net) the trigger does nothing: the inbox is unchanged. The function reads the
-- member's subscriptions through public.push_targets (service_role only) and drops the ones the
-- push service says are gone (public.push_gone).

create table app.push_subscriptions (
  id uuid primary key,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  endpoint text not null unique check (endpoint ~ '^https://' and char_length(endpoint) <= 1000),
  -- the browser's keys (base64url), which the sender encrypts each message with
  p256dh text not null check (p256dh ~ '^[A-Za-z0-9_-]{40,200}=*$'),
  auth text not null check (auth ~ '^[A-Za-z0-9_-]{8,100}=*$'),
  -- the app's language on that phone when it subscribed: the notification's words
  lang text not null default 'zh-CN' check (lang in ('zh-CN', 'en')),
  created_at timestamptz not null default now()
);

comment on table app.push_subscriptions is 'Web Push subscriptions of members'' browsers (one per endpoint); written only through push_subscribe/push_unsubscribe.';

create table app.push_settings (
  id boolean primary key default true check (id),
  function_url text not null check (function_url ~ '^https?://'),
  secret text not null check (char_length(secret) >= 16)
);

comment on table app.push_settings is 'Where the push Edge Function is and the secret it checks; one row, written by the operator (no row: no pushes).';

-- indexes -----------------------------------------------------------------------------------
create index inbox_items_user_created_idx on app.inbox_items (user_id, created_at desc);
create index inbox_items_unread_idx on app.inbox_items (user_id) where read_at is null;

create index push_subscriptions_user_idx on app.push_subscriptions (user_id);

-- functions ---------------------------------------------------------------------------------
create function app.inbox_kinds() returns text[]
language sql immutable set search_path = '' as $$
  select array['session_scheduled', 'session_moved', 'session_cancelled', 'session_tomorrow', 'session_soon',
    'leave_approved', 'leave_declined', 'makeup_assigned', 'plan_assigned', 'plan_due', 'post_quoted',
    'topic_closed', 'leave_waiting', 'roster_imported', 'member_joined', 'join_requested', 'join_approved', 'join_declined']
$$;
revoke execute on function app.inbox_kinds() from public;
grant execute on function app.inbox_kinds() to authenticated;

-- a member asks only for their own (auth.uid() is null for the database's own callers)
create function app.inbox_unread_count(p_user uuid) returns int
language sql stable security definer set search_path = '' as $$
  select count(*)::int from app.inbox_items i
   where i.user_id = p_user and i.read_at is null and (auth.uid() is null or p_user = auth.uid())
$$;
revoke execute on function app.inbox_unread_count(uuid) from public;
grant execute on function app.inbox_unread_count(uuid) to authenticated;

-- the member's private channel hears the new count; the client re-reads through the API
create function app.inbox_tell(p_user uuid) returns void
language plpgsql security definer set search_path = '' as $$
begin
  -- counted here, not through app.inbox_unread_count: the caller is whoever caused the event
  perform realtime.send(jsonb_build_object('unread',
      (select count(*)::int from app.inbox_items i where i.user_id = p_user and i.read_at is null)),
    'inbox', 'user:' || p_user::text, true);
end
$$;
revoke execute on function app.inbox_tell(uuid) from public;

-- one item for each of p_users (each once, the actor never, muted kinds never); returns how
-- many were added
create function app.inbox_add(p_users uuid[], p_kind text, p_key text, p_link text, p_params jsonb,
  p_at timestamptz default now(), p_actor uuid default auth.uid())
returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_user uuid;
  v_n int := 0;
begin
  for v_user in
    insert into app.inbox_items (user_id, kind, dedupe_key, params, link, created_at)
    select distinct u, p_kind, p_key, coalesce(p_params, '{}'), p_link, p_at
      from unnest(p_users) u
     where u is not null and u is distinct from p_actor
       and exists (select 1 from app.profiles p where p.user_id = u)
       and not exists (select 1 from app.inbox_muted m where m.user_id = u and m.kind = p_kind)
    on conflict (user_id, dedupe_key) do nothing
    returning user_id
  loop
    v_n := v_n + 1;
    perform app.inbox_tell(v_user);
  end loop;
  return v_n;
end
$$;
revoke execute on function app.inbox_add(uuid[], text, text, text, jsonb, timestamp with time zone, uuid) from public;

create function app.session_params(s app.sessions) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('session_id', s.id, 'title', s.title, 'starts_at', s.starts_at, 'place', s.place)
$$;
revoke execute on function app.session_params(app.sessions) from public;
grant execute on function app.session_params(app.sessions) to authenticated;

-- the secretaries of one organisation itself (not everyone above it: the bureau admin does not
-- hear about every branch's leave requests)
create function app.org_secretaries(p_org uuid) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct m.user_id), '{}') from app.memberships m
   where m.org_id = p_org and m.ended_at is null and m.role in ('secretary', 'admin')
$$;
revoke execute on function app.org_secretaries(uuid) from public;

-- Calendar: the member's upcoming sessions (those they are expected at or organise) as the
-- app turns them into one .ics file, so the phone's own calendar reminds them offline.

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
revoke execute on function public.my_calendar() from public, anon;
grant execute on function public.my_calendar() to authenticated;

-- Saves this browser's subscription for me. The same id again (a retry) changes nothing but the
-- keys; an endpoint another account held on this phone becomes mine. Crosses RLS on purpose (the
-- other account's row), after checking who calls.
create function app.push_save(p_id uuid, p_endpoint text, p_p256dh text, p_auth text, p_lang text)
returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_row app.push_subscriptions;
begin
  if p_id is null or p_endpoint is null or p_endpoint !~ '^https://' or char_length(p_endpoint) > 1000
     or coalesce(p_p256dh, '') !~ '^[A-Za-z0-9_-]{40,200}=*$' or coalesce(p_auth, '') !~ '^[A-Za-z0-9_-]{8,100}=*$' then
    raise exception using message = 'push.invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from app.push_subscriptions s where s.id = p_id and s.user_id <> v_uid) then
    raise exception using message = 'push.conflict', errcode = 'PT409';
  end if;
  delete from app.push_subscriptions s where s.endpoint = p_endpoint and s.id <> p_id;
  insert into app.push_subscriptions as s (id, user_id, endpoint, p256dh, auth, lang)
  values (p_id, v_uid, p_endpoint, p_p256dh, p_auth, case when p_lang = 'en' then 'en' else 'zh-CN' end)
  on conflict (id) do update set endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, lang = excluded.lang
  returning * into v_row;
  return jsonb_build_object('id', v_row.id, 'endpoint', v_row.endpoint, 'created_at', v_row.created_at);
end
$$;
revoke execute on function app.push_save(uuid, text, text, text, text) from public;
grant execute on function app.push_save(uuid, text, text, text, text) to authenticated;

create function public.push_subscribe(p_id uuid, p_endpoint text, p_p256dh text, p_auth text, p_lang text default 'zh-CN')
returns jsonb
language sql volatile security invoker set search_path = '' as $$
  select app.push_save(p_id, p_endpoint, p_p256dh, p_auth, p_lang)
$$;
revoke execute on function public.push_subscribe(uuid, text, text, text, text) from public, anon;
grant execute on function public.push_subscribe(uuid, text, text, text, text) to authenticated;

-- removes this browser's subscription if it is mine (turning the switch off, signing out)
create function public.push_unsubscribe(p_endpoint text) returns jsonb
language plpgsql volatile security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_n int;
begin
  delete from app.push_subscriptions s where s.endpoint = p_endpoint and s.user_id = v_uid;
  get diagnostics v_n = row_count;
  return jsonb_build_object('removed', v_n > 0);
end
$$;
revoke execute on function public.push_unsubscribe(text) from public, anon;
grant execute on function public.push_unsubscribe(text) to authenticated;

-- the sender's read: where to push one member's item, and in which language
create function public.push_targets(p_user uuid) returns jsonb
language sql stable security definer set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('endpoint', s.endpoint, 'p256dh', s.p256dh, 'auth', s.auth, 'lang', s.lang)
    order by s.created_at), '[]'::jsonb)
    from app.push_subscriptions s where s.user_id = p_user
$$;
revoke execute on function public.push_targets(uuid) from public, anon, authenticated;
grant execute on function public.push_targets(uuid) to service_role;

-- the push service answered 404/410 for this endpoint: the browser dropped it
create function public.push_gone(p_endpoint text) returns void
language sql volatile security definer set search_path = '' as $$
  delete from app.push_subscriptions s where s.endpoint = p_endpoint
$$;
revoke execute on function public.push_gone(text) from public, anon, authenticated;
grant execute on function public.push_gone(text) to service_role;

-- triggers: sessions ------------------------------------------------------------------------

-- Newly expected members hear a session is scheduled (each once: the key is the session).
create function app.inbox_session_scheduled(p_session uuid) returns void
language plpgsql security definer set search_path = '' as $$
declare
  v_s app.sessions;
begin
  select * into v_s from app.sessions s where s.id = p_session;
  if not found or v_s.cancelled_at is not null or v_s.starts_at + make_interval(mins => v_s.duration_minutes) < now() then
    return;
  end if;
  perform app.inbox_add(array(select e.user_id from app.session_expected(v_s.id) e
                               where not exists (select 1 from app.inbox_items i where i.user_id = e.user_id
                                                   and i.dedupe_key like 'session_moved:' || v_s.id || ':%')),
    'session_scheduled',
    'session_scheduled:' || v_s.id, '/sessions/' || v_s.id, app.session_params(v_s));
end
$$;
revoke execute on function app.inbox_session_scheduled(uuid) from public;

-- Deferred to the end of the transaction: session_save inserts the session first and the
-- expected organisations after it, so only then is the expected list known. The row is read
-- again, so several updates in one transaction tell its final state.
create function app.inbox_on_session() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_s app.sessions;
  v_expected uuid[];
begin
  select * into v_s from app.sessions s where s.id = new.id;
  if not found or v_s.starts_at + make_interval(mins => v_s.duration_minutes) < now() then
    return null;
  end if;
  select coalesce(array_agg(e.user_id), '{}') into v_expected from app.session_expected(v_s.id) e;
  if v_s.cancelled_at is not null then
    if tg_op = 'UPDATE' and old.cancelled_at is null then
      perform app.inbox_add(v_expected, 'session_cancelled', 'session_cancelled:' || v_s.id,
        '/sessions/' || v_s.id, app.session_params(v_s));
    end if;
    return null;
  end if;
  -- everyone expected hears that it moved (with the new time and place); someone added in the
  -- same edit hears that rather than a second item saying it is scheduled
  if tg_op = 'UPDATE' and (old.starts_at, old.place) is distinct from (new.starts_at, new.place) then
    perform app.inbox_add(v_expected, 'session_moved',
      'session_moved:' || v_s.id || ':' || extract(epoch from v_s.starts_at)::bigint || ':' || md5(v_s.place),
      '/sessions/' || v_s.id, app.session_params(v_s));
  end if;
  perform app.inbox_session_scheduled(v_s.id);
  return null;
end
$$;
revoke execute on function app.inbox_on_session() from public;

create constraint trigger sessions_inbox after insert or update of starts_at, place, cancelled_at on app.sessions
  deferrable initially deferred for each row execute function app.inbox_on_session();

-- an organisation or a person added to an existing session
create function app.inbox_on_session_expected() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.inbox_session_scheduled(new.session_id);
  return null;
end
$$;
revoke execute on function app.inbox_on_session_expected() from public;

create constraint trigger session_orgs_inbox after insert on app.session_orgs
  deferrable initially deferred for each row execute function app.inbox_on_session_expected();

create constraint trigger session_invitees_inbox after insert on app.session_invitees
  deferrable initially deferred for each row execute function app.inbox_on_session_expected();

-- triggers: leave ---------------------------------------------------------------------------
create function app.inbox_on_leave() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_s app.sessions;
  v_params jsonb;
begin
  select * into v_s from app.sessions s where s.id = new.session_id;
  v_params := app.session_params(v_s) || jsonb_build_object('leave_id', new.id,
    'member', (select p.display_name from app.profiles p where p.user_id = new.user_id));
  if tg_op = 'INSERT' then
    perform app.inbox_add(array[v_s.organiser_id] || app.org_secretaries(v_s.org_id), 'leave_waiting',
      'leave_waiting:' || new.id, '/sessions/' || v_s.id || '/sheet', v_params, now(), new.user_id);
  elsif old.status = 'pending' and new.status in ('approved', 'declined') then
    perform app.inbox_add(array[new.user_id], 'leave_' || new.status, 'leave_' || new.status || ':' || new.id,
      '/sessions/' || v_s.id, v_params, now(), null);
  end if;
  return null;
end
$$;
revoke execute on function app.inbox_on_leave() from public;

create trigger leave_requests_inbox after insert or update of status on app.leave_requests
  for each row execute function app.inbox_on_leave();

-- triggers: plans ---------------------------------------------------------------------------

-- deferred: the plan's readings are inserted after its organisations
create function app.inbox_on_plan_org() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_p app.study_plans;
begin
  select * into v_p from app.study_plans p where p.id = new.plan_id;
  if not found or v_p.due_on < current_date then
    return null;
  end if;
  perform app.inbox_add(
    array(select m.user_id from app.organisations o join app.memberships m on m.org_id = o.id and m.ended_at is null
           where o.path @> array[new.org_id]),
    'plan_assigned', 'plan_assigned:' || v_p.id, '/readings/plans/' || v_p.id,
    jsonb_build_object('plan_id', v_p.id, 'title', v_p.title, 'due_on', v_p.due_on), now(), v_p.created_by);
  return null;
end
$$;
revoke execute on function app.inbox_on_plan_org() from public;

create constraint trigger plan_orgs_inbox after insert on app.plan_orgs
  deferrable initially deferred for each row execute function app.inbox_on_plan_org();

-- triggers: topics --------------------------------------------------------------------------
create function app.inbox_on_post() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_author uuid;
  v_title text;
begin
  select q.author_id into v_author from app.posts q where q.id = new.quote_post_id and q.deleted_at is null;
  select t.title into v_title from app.topics t where t.id = new.topic_id;
  perform app.inbox_add(array[v_author], 'post_quoted', 'post_quoted:' || new.id,
    '/topics/' || new.topic_id,
    jsonb_build_object('topic_id', new.topic_id, 'title', v_title, 'post_id', new.id,
      'member', (select p.display_name from app.profiles p where p.user_id = new.author_id)),
    now(), new.author_id);
  return null;
end
$$;
revoke execute on function app.inbox_on_post() from public;

create trigger posts_inbox after insert on app.posts
  for each row when (new.quote_post_id is not null) execute function app.inbox_on_post();

create function app.inbox_on_topic_closed() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.inbox_add(
    array(select distinct p.author_id from app.posts p
           where p.topic_id = new.id and not p.is_summary and p.deleted_at is null),
    'topic_closed', 'topic_closed:' || new.id || ':' || extract(epoch from coalesce(new.closed_at, now()))::bigint,
    '/topics/' || new.id,
    jsonb_build_object('topic_id', new.id, 'title', new.title, 'has_summary', new.summary_post_id is not null));
  return null;
end
$$;
revoke execute on function app.inbox_on_topic_closed() from public;

create trigger topics_inbox_closed after update of status on app.topics
  for each row when (new.status = 'closed' and old.status is distinct from 'closed')
  execute function app.inbox_on_topic_closed();

-- triggers: roster import -------------------------------------------------------------------

-- deferred: roster_import inserts the import, then its rows and the attachments
create function app.inbox_on_roster_import() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.inbox_add(array[new.created_by] || app.org_secretaries(new.org_id), 'roster_imported',
    'roster_imported:' || new.id, '/admin/roster',
    jsonb_build_object('import_id', new.id, 'org_id', new.org_id, 'rows', new.row_count,
      'org', (select o.name from app.organisations o where o.id = new.org_id),
      'attached', (select count(*) from app.pending_members pm where pm.import_id = new.id and pm.attached_at is not null)),
    now(), null);
  return null;
end
$$;
revoke execute on function app.inbox_on_roster_import() from public;

create constraint trigger roster_imports_inbox after insert on app.roster_imports
  deferrable initially deferred for each row execute function app.inbox_on_roster_import();

-- functions: reminders ----------------------------------------------------------------------

-- Writes the reminders due for p_user at p_now (idempotent) and drops items older than a year.
-- p_now is a parameter so tests move the clock; the API passes now().
create function app.inbox_refresh(p_user uuid, p_now timestamptz) returns void
language plpgsql security definer set search_path = '' as $$
declare
  r record;
  v_today date := (p_now at time zone 'Asia/Shanghai')::date;
begin
  -- a member refreshes only their own, and never ahead of the clock
  if auth.uid() is not null and (p_user is distinct from auth.uid() or p_now > now() + interval '1 minute') then
    raise exception using message = 'inbox.forbidden', errcode = '42501';
  end if;
  delete from app.inbox_items i where i.user_id = p_user and i.created_at < p_now - interval '1 year';

  -- sessions I am expected at (not cancelled, not on approved leave, not yet checked in)
  for r in
    select s.* from app.sessions s
     where s.id in (select app.member_session_ids(p_user))
       and s.cancelled_at is null and s.starts_at > p_now and s.starts_at <= p_now + interval '24 hours'
       and app.is_expected(s.id, p_user)
       and not exists (select 1 from app.checkins c where c.session_id = s.id and c.user_id = p_user)
       and not exists (select 1 from app.leave_requests l where l.session_id = s.id and l.user_id = p_user and l.status = 'approved')
  loop
    if r.starts_at <= p_now + interval '1 hour' then
      perform app.inbox_add(array[p_user], 'session_soon',
        'session_soon:' || r.id || ':' || extract(epoch from r.starts_at)::bigint, '/sessions/' || r.id,
        jsonb_build_object('session_id', r.id, 'title', r.title, 'starts_at', r.starts_at, 'place', r.place),
        r.starts_at - interval '1 hour', null);
    else
      perform app.inbox_add(array[p_user], 'session_tomorrow',
        'session_tomorrow:' || r.id || ':' || extract(epoch from r.starts_at)::bigint, '/sessions/' || r.id,
        jsonb_build_object('session_id', r.id, 'title', r.title, 'starts_at', r.starts_at, 'place', r.place),
        r.starts_at - interval '24 hours', null);
    end if;
  end loop;

  -- 补学: sessions of the last fortnight I missed (absent, or excused) and have not made up
  for r in
    select s.* from app.sessions s
     where s.id in (select app.member_session_ids(p_user))
       and s.cancelled_at is null and s.checkin_closes_at <= p_now and s.checkin_closes_at > p_now - interval '14 days'
       and app.is_expected(s.id, p_user)
       and not exists (select 1 from app.checkins c where c.session_id = s.id and c.user_id = p_user
                        and c.status in ('present', 'late'))
       and not exists (select 1 from app.makeups mk where mk.session_id = s.id and mk.user_id = p_user)
  loop
    perform app.inbox_add(array[p_user], 'makeup_assigned', 'makeup_assigned:' || r.id, '/sessions/' || r.id,
      jsonb_build_object('session_id', r.id, 'title', r.title, 'starts_at', r.starts_at), r.checkin_closes_at, null);
  end loop;

  -- plans of my organisations due within three days with sections I have not ticked
  for r in
    select p.id, p.title, p.due_on,
           (select count(*) from app.plan_readings pr join app.reading_sections rs on rs.reading_id = pr.reading_id
             where pr.plan_id = p.id
               and not exists (select 1 from app.section_ticks t where t.section_id = rs.id and t.user_id = p_user)) as unread
      from app.study_plans p
     where p.due_on between v_today and v_today + 3 and p.archived_at is null
       and exists (select 1 from app.plan_orgs po join app.organisations o on o.path @> array[po.org_id]
                     join app.memberships m on m.org_id = o.id and m.user_id = p_user and m.ended_at is null
                    where po.plan_id = p.id)
  loop
    if r.unread > 0 then
      perform app.inbox_add(array[p_user], 'plan_due', 'plan_due:' || r.id || ':' || r.due_on, '/readings/plans/' || r.id,
        jsonb_build_object('plan_id', r.id, 'title', r.title, 'due_on', r.due_on, 'unread', r.unread),
        greatest((((r.due_on - 3)::timestamp) at time zone 'Asia/Shanghai'), p_now - interval '3 days'), null);
    end if;
  end loop;
end
$$;
revoke execute on function app.inbox_refresh(uuid, timestamp with time zone) from public;
grant execute on function app.inbox_refresh(uuid, timestamp with time zone) to authenticated;

-- functions: API ----------------------------------------------------------------------------
create function app.inbox_item_json(i app.inbox_items) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', i.id, 'kind', i.kind, 'params', i.params, 'link', i.link,
    'created_at', i.created_at, 'day', (i.created_at at time zone 'Asia/Shanghai')::date, 'read', i.read_at is not null)
$$;
revoke execute on function app.inbox_item_json(app.inbox_items) from public;
grant execute on function app.inbox_item_json(app.inbox_items) to authenticated;

-- newest first, keyset-paged by (created_at, id); each carries its day in Asia/Shanghai
create function public.inbox_list(p_before timestamptz default null, p_limit int default 50) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.inbox_refresh(v_uid, now());
  return jsonb_build_object(
    'unread', app.inbox_unread_count(v_uid),
    'items', coalesce((
      select jsonb_agg(app.inbox_item_json(x) order by x.created_at desc, x.id desc)
        from (select * from app.inbox_items i
               where i.user_id = v_uid and (p_before is null or i.created_at < p_before)
               order by i.created_at desc, i.id desc
               limit least(greatest(coalesce(p_limit, 50), 1), 100)) x), '[]'::jsonb));
end
$$;
revoke execute on function public.inbox_list(timestamp with time zone, integer) from public, anon;
grant execute on function public.inbox_list(timestamp with time zone, integer) to authenticated;

-- the tab bar's and home's count; computes due reminders first
create function public.inbox_unread() returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.inbox_refresh(v_uid, now());
  return jsonb_build_object('unread', app.inbox_unread_count(v_uid));
end
$$;
revoke execute on function public.inbox_unread() from public, anon;
grant execute on function public.inbox_unread() to authenticated;

-- one item (p_id) or all of mine (p_id null)
create function public.inbox_mark_read(p_id uuid default null) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_n int;
begin
  if p_id is not null and not exists (select 1 from app.inbox_items i where i.id = p_id) then
    raise exception using message = 'inbox.not_found', errcode = 'PT404';
  end if;
  update app.inbox_items i set read_at = now()
   where i.user_id = v_uid and i.read_at is null and (p_id is null or i.id = p_id);
  get diagnostics v_n = row_count;
  return jsonb_build_object('unread', app.inbox_unread_count(v_uid));
end
$$;
revoke execute on function public.inbox_mark_read(uuid) from public, anon;
grant execute on function public.inbox_mark_read(uuid) to authenticated;

create function public.inbox_settings() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return (select jsonb_object_agg(k, not exists (select 1 from app.inbox_muted m where m.user_id = v_uid and m.kind = k))
            from unnest(app.inbox_kinds()) k);
end
$$;
revoke execute on function public.inbox_settings() from public, anon;
grant execute on function public.inbox_settings() to authenticated;

create function public.inbox_set_kind(p_kind text, p_on boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_kind is null or p_kind <> all (app.inbox_kinds()) then
    raise exception using message = 'inbox.kind_invalid', errcode = 'P0001';
  elsif p_on is null then
    raise exception using message = 'inbox.switch_required', errcode = 'P0001';
  end if;
  if p_on then
    delete from app.inbox_muted m where m.user_id = v_uid and m.kind = p_kind;
  else
    insert into app.inbox_muted (user_id, kind) values (v_uid, p_kind) on conflict do nothing;
  end if;
  return public.inbox_settings();
end
$$;
revoke execute on function public.inbox_set_kind(text, boolean) from public, anon;
grant execute on function public.inbox_set_kind(text, boolean) to authenticated;

-- RLS ---------------------------------------------------------------------------------------
alter table app.inbox_items enable row level security;
alter table app.inbox_muted enable row level security;

create policy inbox_items_select on app.inbox_items for select to authenticated
  using (user_id = (select auth.uid()));

create policy inbox_items_update on app.inbox_items for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy inbox_muted_select on app.inbox_muted for select to authenticated
  using (user_id = (select auth.uid()));

create policy inbox_muted_insert on app.inbox_muted for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy inbox_muted_delete on app.inbox_muted for delete to authenticated
  using (user_id = (select auth.uid()));

alter table app.push_subscriptions enable row level security;
alter table app.push_settings enable row level security;

-- push_settings holds the function's secret: no member reads it (the trigger is security definer)
create policy push_settings_select on app.push_settings for select to authenticated using (false);

create policy push_subscriptions_select on app.push_subscriptions for select to authenticated
  using (user_id = (select auth.uid()));

create policy push_subscriptions_delete on app.push_subscriptions for delete to authenticated
  using (user_id = (select auth.uid()));

grant select, delete on app.push_subscriptions to authenticated;
grant all on app.push_subscriptions, app.push_settings to service_role;

-- triggers ----------------------------------------------------------------------------------

-- A new inbox item goes to the push function, the payload of a Supabase database webhook
-- ({type, table, schema, record, old_record}). pg_net's call is queued and sent after commit,
-- so the inbox write never waits for it; without pg_net or settings it is skipped.
create function app.push_on_inbox_item() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_settings app.push_settings;
begin
  if to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null then
    return null;
  end if;
  select * into v_settings from app.push_settings where id;
  if not found or not exists (select 1 from app.push_subscriptions s where s.user_id = new.user_id) then
    return null;
  end if;
  execute 'select net.http_post(url := $1, body := $2, params := $3, headers := $4, timeout_milliseconds := $5)'
    using v_settings.function_url,
          jsonb_build_object('type', 'INSERT', 'table', 'inbox_items', 'schema', 'app', 'record', to_jsonb(new), 'old_record', null),
          '{}'::jsonb,
          jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_settings.secret),
          5000;
  return null;
end
$$;
revoke execute on function app.push_on_inbox_item() from public;

create trigger inbox_items_push after insert on app.inbox_items
  for each row execute function app.push_on_inbox_item();

-- grants ------------------------------------------------------------------------------------
grant select on app.inbox_items to authenticated;
grant update (read_at) on app.inbox_items to authenticated;
grant select, insert, delete on app.inbox_muted to authenticated;
grant all on app.inbox_items, app.inbox_muted to service_role;

reset check_function_bodies;
