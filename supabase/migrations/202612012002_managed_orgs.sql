-- "Organisations I manage" once (#17). app.managed_org_ids() (core) is the rule: secretary rank
-- or more, with everything below. The lists built from it — the session and topic forms'
-- picker (session_orgs_i_manage), the plan form's (reading_catalog), the admin tree (org_tree)
-- — each wrote the same filter again; they now read app.managed_orgs. app.can_manage(p_org)
-- answers the same question for one organisation by walking up its path (cheap where the set
-- would be the whole county); supabase/tests/managed-orgs.test.ts checks the two agree.

create function app.managed_orgs(p_include_retired boolean default false) returns setof app.organisations
language sql stable security invoker set search_path = '' as $$
  select o.* from app.organisations o
   where o.id in (select app.managed_org_ids())
     and (coalesce(p_include_retired, false) or o.retired_at is null)
$$;
revoke execute on function app.managed_orgs(boolean) from public, anon;
grant execute on function app.managed_orgs(boolean) to authenticated;

-- Open organisations I manage, parents first: the pickers of the session, topic and research forms.
create or replace function public.session_orgs_i_manage() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind,
      'parent_id', o.parent_id) order by o.path), '[]'::jsonb)
    from app.managed_orgs() o
$$;
revoke execute on function public.session_orgs_i_manage() from public, anon;
grant execute on function public.session_orgs_i_manage() to authenticated;

-- Organisations I manage (all of them for a bureau admin), flat, parents before children.
create or replace function public.org_tree(p_include_retired boolean default false) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return coalesce((
    select jsonb_agg(app.org_json(o) || jsonb_build_object(
        'member_count', (select count(*) from app.memberships m where m.org_id = o.id and m.ended_at is null),
        'path_names', (select jsonb_agg(a.name order by array_position(o.path, a.id)) from app.organisations a where a.id = any (o.path)))
        order by o.path)
      from app.managed_orgs(p_include_retired) o
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.org_tree(boolean) from public, anon;
grant execute on function public.org_tree(boolean) to authenticated;

-- What the plan form offers: readings I can see, and organisations I manage (to assign to).
create or replace function public.reading_catalog() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return jsonb_build_object(
    'readings', coalesce((
      select jsonb_agg(jsonb_build_object('id', r.id, 'title', r.title, 'author', r.author, 'org_id', r.org_id,
               'sections', (select count(*) from app.reading_sections s where s.reading_id = r.id))
               order by r.created_at, r.id)
        from app.readings r), '[]'::jsonb),
    'orgs', coalesce((
      select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind)
               order by array_length(o.path, 1), o.sort_order, o.name)
        from app.managed_orgs() o), '[]'::jsonb));
end
$$;
revoke execute on function public.reading_catalog() from public, anon;
grant execute on function public.reading_catalog() to authenticated;
