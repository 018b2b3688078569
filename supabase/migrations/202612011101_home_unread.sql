-- Home carries the inbox's unread count, so opening the app on home stays one call (the tab bar
-- and home's 消息 line would otherwise ask inbox_unread as well). Its other fields are unchanged:
-- app.home_todo() plus my_context() as `context`.
--
-- It computes the reminders now due first, as inbox_unread does (no cron: see
-- 202612010802_inbox.sql), so home_summary now writes and is volatile: PostgREST runs a stable
-- function in a read-only transaction.

-- functions ---------------------------------------------------------------------------------

create or replace function public.home_summary() returns jsonb
language plpgsql volatile security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.inbox_refresh(v_uid, now());
  return app.home_todo() || jsonb_build_object('context', public.my_context(), 'unread', app.inbox_unread_count(v_uid));
end
$$;

-- grants ------------------------------------------------------------------------------------

revoke execute on function public.home_summary() from public, anon;
grant execute on function public.home_summary() to authenticated;
