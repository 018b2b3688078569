-- Home is the first screen of almost every visit: its one call also brings who the member is
-- (public.my_context()), so opening the app on weak signal costs one request, not two.
-- What needs doing now stays as it was, under app.

alter function public.home_summary() set schema app;
alter function app.home_summary() rename to home_todo;

create function public.home_summary() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.home_todo() || jsonb_build_object('context', public.my_context())
$$;
revoke execute on function public.home_summary() from public, anon;
grant execute on function public.home_summary() to authenticated;
