-- Correcting a study plan: a secretary of every organisation it is for changes its title,
-- description, due date and readings (added, removed, reordered) and archives it. Ticks belong
-- to sections, not to plans, so no edit of a plan touches a member's ticks: a reading taken out
-- and put back shows the same progress. Every change is audited with what it was and became.
-- Archived plans disappear for members (lists, home, reminders) and stay visible to those who
-- manage them, so an archive can be undone.

-- tables ------------------------------------------------------------------------------------

alter table app.study_plans add column archived_at timestamptz;
comment on column app.study_plans.archived_at is 'Set when a secretary archives the plan: members no longer see it.';

-- functions ---------------------------------------------------------------------------------

-- replaces the readings migration's: an archived plan only for those who manage one of its
-- organisations
create or replace function app.visible_plan_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select distinct po.plan_id from app.plan_orgs po
    join app.study_plans p on p.id = po.plan_id
   where po.org_id in (select app.visible_org_ids())
     and (p.archived_at is null or po.org_id in (select app.managed_org_ids()))
$$;

-- the plan, if I manage every organisation it is for (a plan for two branches is changed only by
-- someone who manages both)
create function app.plan_for_change(p_plan_id uuid) returns app.study_plans
language plpgsql stable set search_path = '' as $$
declare
  v app.study_plans := app.visible_plan(p_plan_id);
begin
  if exists (select 1 from app.plan_orgs po where po.plan_id = v.id and not app.can_manage(po.org_id)) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  return v;
end
$$;

-- The writes of plan_update and plan_archive, across RLS on purpose (members and secretaries
-- have no update on plans, so a direct write stays refused): its first statement checks that
-- the caller manages every organisation of the plan.
create function app.plan_apply(p_plan_id uuid, p_title text, p_description text, p_due_on date,
  p_reading_ids uuid[], p_archived boolean)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  if auth.uid() is null or exists (select 1 from app.plan_orgs po where po.plan_id = p_plan_id and not app.can_manage(po.org_id))
     or not exists (select 1 from app.study_plans p where p.id = p_plan_id) then
    raise exception using message = 'readings.not_allowed', errcode = '42501';
  end if;
  if p_title is not null then
    update app.study_plans set title = p_title, description = p_description, due_on = p_due_on where id = p_plan_id;
  end if;
  if p_reading_ids is not null then
    -- positions are unique per plan: write the new order afresh (plan_readings holds nothing else)
    delete from app.plan_readings where plan_id = p_plan_id;
    insert into app.plan_readings (plan_id, reading_id, position)
    select p_plan_id, x, i::int from unnest(p_reading_ids) with ordinality as u(x, i);
  end if;
  if p_archived is not null then
    update app.study_plans set archived_at = case when p_archived then now() end where id = p_plan_id;
  end if;
end
$$;

-- Sets title, description, due date and the readings in the order given. Saving the same twice
-- changes nothing and audits nothing, so a phone may retry it.
create function public.plan_update(p_plan_id uuid, p_title text, p_due_on date, p_reading_ids uuid[],
  p_description text default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_old app.study_plans := app.plan_for_change(p_plan_id);
  v_title text := app.readings_text(p_title, 120, true, 'title');
  v_desc text := case when p_description is null then v_old.description else app.readings_text(p_description, 2000, false, 'description') end;
  v_n int := coalesce(array_length(p_reading_ids, 1), 0);
  v_before uuid[] := array(select pr.reading_id from app.plan_readings pr where pr.plan_id = p_plan_id order by pr.position);
begin
  if p_due_on is null then
    raise exception using message = 'readings.due_required', errcode = 'P0001';
  elsif p_due_on < current_date and p_due_on is distinct from v_old.due_on then
    raise exception using message = 'readings.due_in_past', errcode = 'P0001';
  elsif p_due_on > current_date + 730 then
    raise exception using message = 'readings.due_too_far', errcode = 'P0001';
  end if;
  if v_n = 0 then
    raise exception using message = 'readings.readings_required', errcode = 'P0001';
  elsif v_n > 50 then
    raise exception using message = 'readings.too_many_readings', errcode = 'P0001';
  elsif (select count(distinct x) from unnest(p_reading_ids) x where x is not null) <> v_n then
    raise exception using message = 'readings.readings_duplicate', errcode = 'P0001';
  end if;
  if exists (select 1 from unnest(p_reading_ids) x where not exists (select 1 from app.readings r where r.id = x)) then
    raise exception using message = 'readings.reading_not_found', errcode = 'PT404';
  end if;
  if exists (
    select 1 from unnest(p_reading_ids) x join app.readings r on r.id = x
      cross join app.plan_orgs po
     where po.plan_id = p_plan_id
       and not exists (select 1 from app.organisations o where o.id = po.org_id and r.org_id = any (o.path))
  ) then
    raise exception using message = 'readings.reading_out_of_scope', errcode = 'P0001';
  end if;

  perform app.plan_apply(p_plan_id,
    case when (v_old.title, v_old.description, v_old.due_on) is distinct from (v_title, v_desc, p_due_on) then v_title end,
    v_desc, p_due_on, case when v_before is distinct from p_reading_ids then p_reading_ids end, null);
  if (v_old.title, v_old.description, v_old.due_on) is distinct from (v_title, v_desc, p_due_on)
     or v_before is distinct from p_reading_ids then
    perform app.audit(v_old.org_id, 'plan.update', p_plan_id, jsonb_build_object(
      'before', jsonb_build_object('title', v_old.title, 'due_on', v_old.due_on, 'reading_ids', to_jsonb(v_before)),
      'after', jsonb_build_object('title', v_title, 'due_on', p_due_on, 'reading_ids', to_jsonb(p_reading_ids))));
  end if;
  return public.plan_detail(p_plan_id);
end
$$;

create function public.plan_archive(p_plan_id uuid, p_archived boolean default true) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v app.study_plans := app.plan_for_change(p_plan_id);
begin
  if p_archived is null then
    raise exception using message = 'readings.archived_required', errcode = 'P0001';
  end if;
  if (v.archived_at is not null) <> p_archived then
    perform app.plan_apply(v.id, null, null, null, null, p_archived);
    perform app.audit(v.org_id, case when p_archived then 'plan.archive' else 'plan.unarchive' end, v.id,
      jsonb_build_object('title', v.title));
  end if;
  return jsonb_build_object('id', v.id, 'archived', p_archived);
end
$$;

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.plan_apply(uuid, text, text, date, uuid[], boolean) from public, anon;
grant execute on function app.plan_apply(uuid, text, text, date, uuid[], boolean) to authenticated;
revoke execute on function app.plan_for_change(uuid) from public, anon;
grant execute on function app.plan_for_change(uuid) to authenticated;
revoke execute on function public.plan_update(uuid, text, date, uuid[], text), public.plan_archive(uuid, boolean) from public, anon;
grant execute on function public.plan_update(uuid, text, date, uuid[], text), public.plan_archive(uuid, boolean) to authenticated;
