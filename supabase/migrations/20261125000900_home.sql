-- Home: what needs doing now, in one round trip. Each area answers for its part through
-- app.home_<area>(), defined in that area's migration; app.home_todo gathers them.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

create function app.home_todo() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_readings jsonb;
  v_admin jsonb;
begin
  perform app.require_user();
  v_readings := app.home_readings();
  v_admin := app.home_admin();
  return jsonb_build_object(
    'next_session', app.home_sessions() -> 'next_session',
    'continue_reading', v_readings -> 'continue_reading',
    'due_plan', v_readings -> 'due_plan',
    'topics', coalesce(app.home_topics(), '[]'::jsonb),
    'study_minutes_year', coalesce((v_admin ->> 'study_minutes_year')::int, 0),
    'manage', case when (v_admin ->> 'can_manage')::boolean then jsonb_build_object(
      'pending_members', v_admin -> 'pending_members',
      'active_invites', v_admin -> 'active_invites') end
  );
end
$$;
revoke execute on function app.home_todo() from public;
grant execute on function app.home_todo() to authenticated;

-- Home is the first screen of almost every visit: its one call also brings who the member is
-- (public.my_context()) and the inbox's unread count (the tab bar and home's 消息 line would
-- otherwise ask inbox_unread as well), so opening the app on weak signal costs one request.
-- It computes the reminders now due first, as inbox_unread does (no cron: see the inbox
-- migration), so it writes and is volatile: PostgREST runs a stable function in a read-only
-- transaction.
create function public.home_summary() returns jsonb
language plpgsql volatile security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.inbox_refresh(v_uid, now());
  return app.home_todo() || jsonb_build_object('context', public.my_context(), 'unread', app.inbox_unread_count(v_uid));
end
$$;
revoke execute on function public.home_summary() from public, anon;
grant execute on function public.home_summary() to authenticated;

reset check_function_bodies;
