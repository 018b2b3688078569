-- The roster paged (#15): a county's roster is thousands of members, so it comes a page at a
-- time, in the order it always had (organisation, highest role first, name), keyset-paged by the
-- last membership of the previous page. The per-organisation counts of the whole roster come with
-- the first page, so that the group headings stay right while only some members are loaded.

-- functions ---------------------------------------------------------------------------------

drop function public.roster(uuid);
create function public.roster(p_org_id uuid, p_after uuid default null, p_limit int default 200) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_path uuid[];
  v_rank int;
  v_name text;
  v_members jsonb;
  v_next uuid;
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'admin.page_size_invalid', errcode = 'P0001';
  end if;
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

  with page as (
    select m.id, m.user_id, p.display_name, p.school, p.position, c.phone, m.role, o.id as org_id, o.name as org_name,
           m.joined_at, row_number() over (order by o.path, -app.rank_of(m.role), p.display_name, m.id) as n
      from app.memberships m
      join app.organisations o on o.id = m.org_id
      join app.profiles p on p.user_id = m.user_id
      left join app.profile_contacts c on c.user_id = m.user_id
     where o.path @> array[p_org_id] and m.ended_at is null
       and (p_after is null or (o.path, -app.rank_of(m.role), p.display_name, m.id) > (v_path, v_rank, v_name, p_after))
     order by o.path, -app.rank_of(m.role), p.display_name, m.id
     limit p_limit + 1
  )
  select coalesce(jsonb_agg(jsonb_build_object(
             'membership_id', x.id, 'user_id', x.user_id, 'display_name', x.display_name,
             'school', x.school, 'position', x.position, 'phone', x.phone, 'role', x.role,
             'org_id', x.org_id, 'org_name', x.org_name, 'joined_at', x.joined_at, 'is_me', x.user_id = v_uid)
             order by x.n) filter (where x.n <= p_limit), '[]'::jsonb),
         (select l.id from page l where l.n = p_limit and exists (select 1 from page z where z.n > p_limit))
    into v_members, v_next
    from page x;

  return jsonb_build_object(
    'org_id', p_org_id,
    'my_rank', app.org_rank(p_org_id),
    'members', v_members,
    'next', v_next,
    -- first page only: active members per organisation, and the roster rows still waiting
    'org_counts', case when p_after is null then coalesce((
        select jsonb_object_agg(x.org_id, x.n)
          from (select m.org_id, count(*)::int as n
                  from app.memberships m join app.organisations o on o.id = m.org_id
                 where o.path @> array[p_org_id] and m.ended_at is null
                 group by m.org_id) x), '{}'::jsonb) end,
    'pending', case when p_after is null then coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', pm.id, 'display_name', pm.display_name, 'phone', pm.phone, 'role', pm.role,
          'org_id', o.id, 'org_name', o.name, 'created_at', pm.created_at)
          order by o.path, pm.display_name)
        from app.pending_members pm join app.organisations o on o.id = pm.org_id
       where o.path @> array[p_org_id] and pm.attached_at is null), '[]'::jsonb) else '[]'::jsonb end
  );
end
$$;

-- grants ------------------------------------------------------------------------------------

revoke execute on function public.roster(uuid, uuid, int) from public, anon;
grant execute on function public.roster(uuid, uuid, int) to authenticated;
