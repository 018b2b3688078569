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

-- tables ------------------------------------------------------------------------------------

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

create index push_subscriptions_user_idx on app.push_subscriptions (user_id);

-- RLS ---------------------------------------------------------------------------------------

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

-- functions ---------------------------------------------------------------------------------

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

create function public.push_subscribe(p_id uuid, p_endpoint text, p_p256dh text, p_auth text, p_lang text default 'zh-CN')
returns jsonb
language sql volatile security invoker set search_path = '' as $$
  select app.push_save(p_id, p_endpoint, p_p256dh, p_auth, p_lang)
$$;

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

-- the sender's read: where to push one member's item, and in which language
create function public.push_targets(p_user uuid) returns jsonb
language sql stable security definer set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('endpoint', s.endpoint, 'p256dh', s.p256dh, 'auth', s.auth, 'lang', s.lang)
    order by s.created_at), '[]'::jsonb)
    from app.push_subscriptions s where s.user_id = p_user
$$;

-- the push service answered 404/410 for this endpoint: the browser dropped it
create function public.push_gone(p_endpoint text) returns void
language sql volatile security definer set search_path = '' as $$
  delete from app.push_subscriptions s where s.endpoint = p_endpoint
$$;

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

create trigger inbox_items_push after insert on app.inbox_items
  for each row execute function app.push_on_inbox_item();

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.push_save(uuid, text, text, text, text), app.push_on_inbox_item() from public, anon;
grant execute on function app.push_save(uuid, text, text, text, text) to authenticated;
revoke execute on function public.push_subscribe(uuid, text, text, text, text), public.push_unsubscribe(text) from public, anon;
grant execute on function public.push_subscribe(uuid, text, text, text, text), public.push_unsubscribe(text) to authenticated;
revoke execute on function public.push_targets(uuid), public.push_gone(text) from public, anon, authenticated;
grant execute on function public.push_targets(uuid), public.push_gone(text) to service_role;
