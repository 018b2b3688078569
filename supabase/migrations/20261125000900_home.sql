-- Home: what needs doing now, in one round trip. Each area answers for its part through
-- app.home_<area>(), defined in that area's migration.

create or replace function public.home_summary() returns jsonb
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
revoke execute on function public.home_summary() from public, anon;
grant execute on function public.home_summary() to authenticated;
