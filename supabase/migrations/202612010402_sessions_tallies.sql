-- Check-in whose cost does not grow with the audience (#15), and live counts only for those who
-- may read them (#13.5).
--
-- Each session's counts are kept in app.session_tallies by the writes that change them: a
-- check-in or manual mark (checkins), a leave request or decision (leave_requests), and the
-- expected list when the session's organisations or invitees, a roster (memberships) or the tree
-- (organisations.path) change. A check-in is then one indexed update of one row, whatever the
-- audience; only roster and tree changes recount, once per statement and affected session.
-- A check-in's change is computed when its row is written (exact, whatever else the transaction
-- does) but added to the session's one row only at commit (a deferred trigger folds it): the row
-- lock every check-in of a session shares is then held for the commit alone, not for the rest of
-- the request and the client's round trip to COMMIT.
-- The counts are broadcast on attendance:<id>, which only those who run the session may join
-- (the API answers session_counts with 403 to everyone else); session:<id> carries no counts.

-- tables ------------------------------------------------------------------------------------

create table app.session_tallies (
  session_id uuid primary key references app.sessions (id) on delete cascade,
  expected int not null default 0,
  present int not null default 0,
  late int not null default 0,
  excused int not null default 0,
  absent int not null default 0,
  pending_leave int not null default 0
);
comment on table app.session_tallies is
  'Counts of a session kept by triggers (see app.session_recount for their definition): excused = check-ins marked excused + approved leave without a check-in.';

create table app.session_tally_deltas (
  id bigint generated always as identity primary key,
  session_id uuid not null,
  present int not null default 0,
  late int not null default 0,
  excused int not null default 0,
  absent int not null default 0,
  pending_leave int not null default 0
);
comment on table app.session_tally_deltas is
  'A change to a session''s counts written with the row that caused it, folded into app.session_tallies and deleted at commit (empty between transactions).';

-- RLS ---------------------------------------------------------------------------------------

alter table app.session_tallies enable row level security;
alter table app.session_tally_deltas enable row level security;
create policy session_tally_deltas_select on app.session_tally_deltas for select to authenticated using (false);
grant all on app.session_tally_deltas to service_role;
create policy session_tallies_select on app.session_tallies for select to authenticated using (false);
grant all on app.session_tallies to service_role;

-- functions: the counts ---------------------------------------------------------------------

-- everyone expected: the members of the expected organisations and everything below, and invitees
create function app.expected_count(p_session uuid) returns int
language sql stable security definer set search_path = '' as $$
  select count(*)::int from (
    select m.user_id from app.session_orgs so
      join app.organisations o on o.path @> array[so.org_id]
      join app.memberships m on m.org_id = o.id and m.ended_at is null
     where so.session_id = p_session
    union
    select i.user_id from app.session_invitees i where i.session_id = p_session) x
$$;

-- The counts recomputed from the rows: their definition, and what the tallies are tested against.
create function app.session_recount(p_session uuid) returns jsonb
language sql stable security definer set search_path = '' as $$
  with c as (
    select c.status, count(*) as n from app.checkins c where c.session_id = p_session group by c.status
  ),
  lv as (
    select count(*) filter (where l.status = 'approved' and not exists (
             select 1 from app.checkins c where c.session_id = p_session and c.user_id = l.user_id)) as excused,
           count(*) filter (where l.status = 'pending') as pending
      from app.leave_requests l where l.session_id = p_session
  )
  select jsonb_build_object(
    'expected', app.expected_count(p_session),
    'present', coalesce((select n from c where status = 'present'), 0),
    'late', coalesce((select n from c where status = 'late'), 0),
    'excused', coalesce((select n from c where status = 'excused'), 0) + (select excused from lv),
    'absent', coalesce((select n from c where status = 'absent'), 0),
    'pending_leave', (select pending from lv))
$$;


-- the kept counts of committed writes (a change folds in at its commit): one row by primary key
create or replace function app.session_counts(p_session uuid) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  t app.session_tallies;
begin
  select * into t from app.session_tallies x where x.session_id = p_session;
  return jsonb_build_object('expected', coalesce(t.expected, 0), 'present', coalesce(t.present, 0),
    'late', coalesce(t.late, 0), 'excused', coalesce(t.excused, 0), 'absent', coalesce(t.absent, 0),
    'pending_leave', coalesce(t.pending_leave, 0));
end
$$;

-- recount the expected list of some sessions (roster, tree or expected-list changes)
create function app.tally_expected(p_sessions uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  update app.session_tallies t set expected = x.n
    from (select s.id, app.expected_count(s.id) as n from unnest(p_sessions) as s(id)) x
   where t.session_id = x.id and t.expected <> x.n;
end
$$;

-- triggers ----------------------------------------------------------------------------------

create function app.sessions_new_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.session_tallies (session_id) values (new.id) on conflict do nothing;
  return null;
end
$$;
create trigger sessions_tally after insert on app.sessions
  for each row execute function app.sessions_new_tally();

-- a check-in (or a manual mark) moves one member between counts; approved leave stops counting
-- as excused once the member has a check-in
create function app.checkins_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_leave boolean;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_leave := exists (select 1 from app.leave_requests l
                        where l.session_id = old.session_id and l.user_id = old.user_id and l.status = 'approved');
    insert into app.session_tally_deltas (session_id, present, late, excused, absent)
    values (old.session_id, -(old.status = 'present')::int, -(old.status = 'late')::int,
            -(old.status = 'excused')::int + v_leave::int, -(old.status = 'absent')::int);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_leave := exists (select 1 from app.leave_requests l
                        where l.session_id = new.session_id and l.user_id = new.user_id and l.status = 'approved');
    insert into app.session_tally_deltas (session_id, present, late, excused, absent)
    values (new.session_id, (new.status = 'present')::int, (new.status = 'late')::int,
            (new.status = 'excused')::int - v_leave::int, (new.status = 'absent')::int);
  end if;
  return null;
end
$$;

create function app.leave_requests_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into app.session_tally_deltas (session_id, pending_leave, excused)
    values (old.session_id, -(old.status = 'pending')::int,
            -(old.status = 'approved' and not exists (select 1 from app.checkins c
                where c.session_id = old.session_id and c.user_id = old.user_id))::int);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app.session_tally_deltas (session_id, pending_leave, excused)
    values (new.session_id, (new.status = 'pending')::int,
            (new.status = 'approved' and not exists (select 1 from app.checkins c
                where c.session_id = new.session_id and c.user_id = new.user_id))::int);
  end if;
  return null;
end
$$;

-- at commit: one delta into the session's row (taking its lock only now), then gone
create function app.session_tally_fold() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.session_tallies t set
    present = t.present + new.present, late = t.late + new.late, excused = t.excused + new.excused,
    absent = t.absent + new.absent, pending_leave = t.pending_leave + new.pending_leave
   where t.session_id = new.session_id;
  delete from app.session_tally_deltas d where d.id = new.id;
  return null;
end
$$;

-- expected lists: once per statement, for the sessions the changed rows touch
create function app.session_links_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(array(select distinct x.session_id from changed x));
  return null;
end
$$;

-- a membership counts at every session expected of its organisation or one above it
create function app.memberships_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(array(
    select distinct so.session_id
      from changed x
      join app.organisations o on o.id = x.org_id
      join app.session_orgs so on so.org_id = any (o.path)));
  return null;
end
$$;

-- a move changes who is below the organisations on the old and the new path
create function app.organisations_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(array(
    select distinct so.session_id
      from (select o.path from old_rows o join new_rows n on n.id = o.id where n.path is distinct from o.path
            union all
            select n.path from old_rows o join new_rows n on n.id = o.id where n.path is distinct from o.path) p
      join app.session_orgs so on so.org_id = any (p.path)));
  return null;
end
$$;

create trigger checkins_tally after insert or update or delete on app.checkins
  for each row execute function app.checkins_tally();
create trigger leave_requests_tally after insert or update or delete on app.leave_requests
  for each row execute function app.leave_requests_tally();
create constraint trigger session_tally_deltas_fold after insert on app.session_tally_deltas
  deferrable initially deferred for each row execute function app.session_tally_fold();
create trigger session_orgs_tally_ins after insert on app.session_orgs
  referencing new table as changed for each statement execute function app.session_links_tally();
create trigger session_orgs_tally_del after delete on app.session_orgs
  referencing old table as changed for each statement execute function app.session_links_tally();
create trigger session_invitees_tally_ins after insert on app.session_invitees
  referencing new table as changed for each statement execute function app.session_links_tally();
create trigger session_invitees_tally_del after delete on app.session_invitees
  referencing old table as changed for each statement execute function app.session_links_tally();
create trigger memberships_tally_ins after insert on app.memberships
  referencing new table as changed for each statement execute function app.memberships_tally();
create trigger memberships_tally_del after delete on app.memberships
  referencing old table as changed for each statement execute function app.memberships_tally();
-- an update may end a membership or move it: the old and the new organisation both count
create trigger memberships_tally_upd_old after update on app.memberships
  referencing old table as changed for each statement execute function app.memberships_tally();
create trigger memberships_tally_upd_new after update on app.memberships
  referencing new table as changed for each statement execute function app.memberships_tally();
create trigger organisations_tally after update on app.organisations
  referencing old table as old_rows new table as new_rows for each statement execute function app.organisations_tally();

-- live counts: the change itself, on the topic of those who run the session
drop trigger checkins_broadcast on app.checkins;
drop trigger leave_requests_broadcast on app.leave_requests;
drop function app.attendance_broadcast();

create function app.tallies_broadcast() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.send(
    jsonb_build_object('session_id', new.session_id, 'counts', jsonb_build_object(
      'expected', new.expected, 'present', new.present, 'late', new.late, 'excused', new.excused,
      'absent', new.absent, 'pending_leave', new.pending_leave)),
    'attendance', 'attendance:' || new.session_id::text, true);
  return null;
end
$$;
create trigger session_tallies_broadcast after update on app.session_tallies
  for each row when (old is distinct from new) execute function app.tallies_broadcast();

-- functions: who may join a channel ----------------------------------------------------------

-- replaces core's: `<kind>:<uuid>` and nothing after it; attendance:<session> for those who run
-- the session, as public.session_counts allows
create or replace function app.can_join_realtime_topic(p_topic text) returns boolean
language plpgsql stable security definer set search_path = '' as $$
declare
  v_kind text := split_part(p_topic, ':', 1);
  v_id uuid;
begin
  if auth.uid() is null or p_topic !~ '^[a-z_]+:[0-9a-fA-F-]{36}$' then
    return false;
  end if;
  begin
    v_id := split_part(p_topic, ':', 2)::uuid;
  exception when invalid_text_representation then
    return false;
  end;
  return case v_kind
    when 'org' then v_id in (select app.visible_org_ids())
    when 'user' then v_id = auth.uid()
    when 'topic' then app.can_see_topic(v_id)
    when 'session' then app.can_see_session(v_id)
    when 'attendance' then app.can_run_session(v_id)
    else false
  end;
end
$$;

-- backfill ----------------------------------------------------------------------------------

insert into app.session_tallies (session_id, expected, present, late, excused, absent, pending_leave)
select s.id, (r ->> 'expected')::int, (r ->> 'present')::int, (r ->> 'late')::int, (r ->> 'excused')::int,
       (r ->> 'absent')::int, (r ->> 'pending_leave')::int
  from app.sessions s cross join lateral app.session_recount(s.id) r
on conflict (session_id) do nothing;

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.session_recount(uuid), app.expected_count(uuid), app.tally_expected(uuid[]),
  app.sessions_new_tally(), app.checkins_tally(), app.leave_requests_tally(), app.session_tally_fold(), app.session_links_tally(),
  app.memberships_tally(), app.organisations_tally(), app.tallies_broadcast() from public, anon, authenticated;
grant execute on function app.session_recount(uuid), app.expected_count(uuid) to service_role;
