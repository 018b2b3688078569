-- Continue reading: when the last tick counts for several plans (a reading in a county plan and a
-- branch plan), take the plan due soonest, so the home card does not flip between them.

create or replace function app.home_readings() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_plan uuid;
  v_continue jsonb;
  v_due jsonb;
begin
  with plans as (
    select p.id, p.title, p.due_on,
           count(s.id)::int as total,
           count(t.section_id)::int as done,
           max(t.read_at) as last_read
      from app.study_plans p
      join app.plan_readings pr on pr.plan_id = p.id
      join app.reading_sections s on s.reading_id = pr.reading_id
      left join app.section_ticks t on t.section_id = s.id and t.user_id = v_uid
     where p.id in (select po.plan_id from app.plan_orgs po where po.org_id in (select app.my_reach_org_ids()))
     group by p.id
  )
  select
    (select jsonb_build_object('id', x.id, 'title', x.title, 'due_on', x.due_on, 'done', x.done, 'total', x.total)
       from plans x where x.done < x.total and x.due_on >= current_date
      order by x.due_on, x.title limit 1),
    coalesce(
      (select x.id from plans x where x.done < x.total and x.last_read is not null
        order by x.last_read desc, x.due_on, x.title, x.id limit 1),
      (select x.id from plans x where x.done < x.total order by (x.due_on < current_date), x.due_on, x.title, x.id limit 1))
    into v_due, v_plan;

  if v_plan is not null then
    select jsonb_build_object('plan_id', v_plan, 'reading_id', r.id, 'section_id', s.id,
                              'reading_title', r.title, 'section_title', s.title)
      into v_continue
      from app.plan_readings pr
      join app.readings r on r.id = pr.reading_id
      join app.reading_sections s on s.reading_id = r.id
     where pr.plan_id = v_plan
       and not exists (select 1 from app.section_ticks t where t.user_id = v_uid and t.section_id = s.id)
     order by pr.position, s.position
     limit 1;
  end if;
  return jsonb_build_object('continue_reading', v_continue, 'due_plan', v_due);
end
$$;
revoke execute on function app.home_readings() from public, anon;
grant execute on function app.home_readings() to authenticated, service_role;

