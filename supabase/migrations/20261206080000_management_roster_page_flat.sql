-- A roster page costs what its rows cost, at any size of the subtree (#15).
--
-- At province size the top view's first page (200 members) took 105 ms in the engine, of which
-- 61 ms went on putting the page together: the planner hashed every membership the admin may see
-- (50,014 rows through row-level security) to join the page's 200 ids, and checked each member's
-- phone (profile_contacts' policy) by re-scanning the admin's 1,269 managed organisations once
-- per row (0.14 ms a row). The page's memberships are now looked up by id (11 ms for the page),
-- and the policy reads the managed organisations once per statement, as an array the member's
-- few memberships are tested against (0.024 ms a row; app.can_manage per membership took 0.077).
-- Same rule: "in (select app.managed_org_ids())".

drop policy profile_contacts_select on app.profile_contacts;
create policy profile_contacts_select on app.profile_contacts for select to authenticated
  using (user_id = (select auth.uid()) or exists (
    select 1 from app.memberships m
     where m.user_id = profile_contacts.user_id and m.ended_at is null
       and m.org_id = any (array(select app.managed_org_ids()))));

create or replace function public.roster(p_org_id uuid, p_after uuid default null, p_limit int default 200) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_root uuid[];
  v_path uuid[];
  v_rank int;
  v_name text;
  v_org record;
  v_id uuid;
  v_ids uuid[] := '{}';
  v_next uuid;
  v_members jsonb;
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'admin.page_size_invalid', errcode = 'P0001';
  end if;
  select o.path into v_root from app.organisations o where o.id = p_org_id;
  if p_after is not null then
    select o.path, -app.rank_of(m.role), p.display_name into v_path, v_rank, v_name
      from app.memberships m
      join app.organisations o on o.id = m.org_id
      join app.profiles p on p.user_id = m.user_id
     where m.id = p_after and o.path @> array[p_org_id];
    if not found then
      raise exception using message = 'admin.cursor_invalid', errcode = 'P0001';
    end if;
  end if;

  -- the subtree from the cursor's organisation on, in path order; each organisation's members in
  -- (highest role, name, id) order after the cursor; one row past the page says there is more
  <<orgs>>
  for v_org in
    select o.id, o.path from app.organisations o
     where o.path >= coalesce(v_path, v_root) and o.path @> array[p_org_id]
     order by o.path
  loop
    for v_id in
      select m.id
        from app.memberships m join app.profiles p on p.user_id = m.user_id
       where m.org_id = v_org.id and m.ended_at is null
         and (v_path is null or v_org.path <> v_path
              or (-app.rank_of(m.role), p.display_name, m.id) > (v_rank, v_name, p_after))
       order by -app.rank_of(m.role), p.display_name, m.id
       limit p_limit + 1 - cardinality(v_ids)
    loop
      if cardinality(v_ids) = p_limit then
        v_next := v_ids[p_limit];
        exit orgs;
      end if;
      v_ids := v_ids || v_id;
    end loop;
  end loop;

  select coalesce(jsonb_agg(jsonb_build_object(
             'membership_id', m.id, 'user_id', m.user_id, 'display_name', p.display_name,
             'school', p.school, 'position', p.position, 'phone', c.phone, 'role', m.role,
             'org_id', o.id, 'org_name', o.name, 'joined_at', m.joined_at, 'is_me', m.user_id = v_uid,
             'is_cadre', m.is_cadre)
             order by u.n), '[]'::jsonb)
    into v_members
    from unnest(v_ids) with ordinality as u(id, n)
    join app.memberships m on m.id = u.id
    join app.organisations o on o.id = m.org_id
    join app.profiles p on p.user_id = m.user_id
    left join app.profile_contacts c on c.user_id = m.user_id
   -- said of m as well, so that the page's rows are looked up by id, not every membership hashed
   where m.id = any (v_ids);

  return jsonb_build_object(
    'org_id', p_org_id,
    'my_rank', app.org_rank(p_org_id),
    'members', v_members,
    'next', v_next,
    -- first page only: active members per organisation, and the roster rows still waiting
    'org_counts', case when p_after is null then coalesce((
        select jsonb_object_agg(c.org_id, c.members)
          from app.org_member_counts c join app.organisations o on o.id = c.org_id
         where o.path @> array[p_org_id]), '{}'::jsonb) end,
    'pending', case when p_after is null then coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', pm.id, 'display_name', pm.display_name, 'phone', pm.phone, 'role', pm.role,
          'org_id', o.id, 'org_name', o.name, 'created_at', pm.created_at, 'is_cadre', pm.is_cadre)
          order by o.path, pm.display_name)
        from app.pending_members pm join app.organisations o on o.id = pm.org_id
       where o.path @> array[p_org_id] and pm.attached_at is null), '[]'::jsonb) else '[]'::jsonb end
  );
end
$$;
revoke execute on function public.roster(uuid, uuid, integer) from public, anon;
grant execute on function public.roster(uuid, uuid, integer) to authenticated;
