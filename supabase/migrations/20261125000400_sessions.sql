-- Sessions: study sessions (中心组学习, 专题讲座, 报告会, 专题调研, 个人自学, "三会一课"), who is
-- expected at them, check-in with a rotating code (TOTP-like, verified here), offline check-ins
-- with their device time, leave requests, manual marks, minutes, make-up study and attendance.
-- The code secret never leaves the database: only security definer functions read it.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- types -------------------------------------------------------------------------------------

-- (none: kinds and statuses are text with checks, so the lists can grow without a type change)

-- The kinds of session, once: the table's check and session_save's refusal both read it.
create function app.session_kinds() returns text[]
language sql immutable set search_path = '' as $$
  select array['center_group', 'lecture', 'report', 'research', 'self_study',
               'general_meeting', 'committee_meeting', 'group_meeting', 'party_class']
$$;
revoke execute on function app.session_kinds() from public;
grant execute on function app.session_kinds() to authenticated, service_role;

-- tables ------------------------------------------------------------------------------------
create table app.sessions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references app.organisations (id),
  kind text not null check (kind = any (app.session_kinds())),
  title text not null check (char_length(btrim(title)) between 1 and 60),
  starts_at timestamptz not null,
  duration_minutes int not null check (duration_minutes between 5 and 720),
  place text not null default '' check (char_length(place) <= 60),
  organiser_id uuid not null references app.profiles (user_id),
  checkin_opens_at timestamptz not null,
  checkin_closes_at timestamptz not null,
  minutes_topic text not null default '' check (char_length(minutes_topic) <= 200),
  minutes_speakers text not null default '' check (char_length(minutes_speakers) <= 500),
  minutes_decisions text not null default '' check (char_length(minutes_decisions) <= 5000),
  minutes_updated_at timestamptz,
  created_by uuid not null references app.profiles (user_id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  cancelled_at timestamptz,
  constraint sessions_window_order check (checkin_opens_at <= starts_at and checkin_closes_at >= starts_at
    and checkin_closes_at > checkin_opens_at),
  -- tables ------------------------------------------------------------------------------------
  late_after_minutes int not null default 5
  check (late_after_minutes between 0 and 60)
);

comment on table app.sessions is 'A study session of one of nine kinds, organised by an organisation; late after starts_at.';

create table app.session_secrets (
  session_id uuid primary key references app.sessions (id) on delete cascade,
  secret bytea not null default extensions.gen_random_bytes(20)
);

comment on table app.session_secrets is 'The check-in code secret of each session. Read only by security definer functions; members never see it.';

create table app.session_orgs (
  session_id uuid not null references app.sessions (id) on delete cascade,
  org_id uuid not null references app.organisations (id),
  primary key (session_id, org_id)
);

comment on table app.session_orgs is 'Organisations expected at a session: their members and the members of everything below them.';

create table app.session_invitees (
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  primary key (session_id, user_id)
);

comment on table app.session_invitees is 'Named people from other organisations expected at a session (双重组织生活).';

-- reading ids without a foreign key: the readings area is built beside this one
create table app.session_readings (
  session_id uuid not null references app.sessions (id) on delete cascade,
  reading_id uuid not null,
  sort_order int not null default 0,
  primary key (session_id, reading_id)
);

comment on table app.session_readings is 'Readings studied at a session; offered again as make-up study to those absent.';

create table app.checkins (
  id uuid primary key,
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  status text not null check (status in ('present', 'late', 'excused', 'absent')),
  method text not null check (method in ('code', 'qr', 'manual', 'offline')),
  checked_at timestamptz not null default now(),
  claimed_at timestamptz,
  marked_by uuid references app.profiles (user_id) on delete set null,
  reason text check (char_length(reason) <= 200),
  constraint checkins_one_per_member unique (session_id, user_id),
  constraint checkins_manual_has_reason check (method <> 'manual' or (marked_by is not null and char_length(btrim(coalesce(reason, ''))) > 0))
);

comment on table app.checkins is 'A member''s attendance at a session. id is made by the client; claimed_at is the device time of an offline check-in.';

create table app.leave_requests (
  id uuid primary key,
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  reason text not null check (char_length(btrim(reason)) between 1 and 200),
  status text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
  created_at timestamptz not null default now(),
  decided_by uuid references app.profiles (user_id) on delete set null,
  decided_at timestamptz,
  constraint leave_requests_one_per_member unique (session_id, user_id),
  constraint leave_requests_decided check ((status = 'pending') = (decided_at is null))
);

comment on table app.leave_requests is '请假: a member asks before the session; the secretary approves or declines.';

create table app.makeups (
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  completed_at timestamptz not null default now(),
  primary key (session_id, user_id)
);

comment on table app.makeups is '补学 done: a member absent or on leave studied the session''s minutes and readings.';

-- Check-in codes that cannot be guessed or replayed (#13.3) and a grace period before a
-- check-in counts as late (#14.3).
--
-- Wrong codes are counted per member and session. A refusal that raises rolls its transaction
-- back, and with it the count, so the one refusal that must keep a write (a wrong code) does not
-- raise: it returns PostgREST's error shape and sets `response.status` (PostgREST answers with
-- that status and commits, as it does for any function that returns). Every other refusal
-- raises and changes nothing.

comment on column app.sessions.late_after_minutes is
  'Grace period: a check-in up to this many minutes after starts_at counts as present, later as late.';

create table app.checkin_attempts (
  session_id uuid not null references app.sessions (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  attempts int not null default 0,
  last_at timestamptz not null default now(),
  primary key (session_id, user_id)
);

comment on table app.checkin_attempts is
  'Codes a member has tried at a session (written only by app.check_in). At app.checkin_max_attempts() the member must ask the organiser.';

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

-- indexes -----------------------------------------------------------------------------------
create index sessions_org_starts_idx on app.sessions (org_id, starts_at);
create index sessions_starts_idx on app.sessions (starts_at);
create index sessions_organiser_id_idx on app.sessions (organiser_id);
create index sessions_created_by_idx on app.sessions (created_by);
create index session_orgs_org_id_idx on app.session_orgs (org_id);
create index session_invitees_user_id_idx on app.session_invitees (user_id);
create index checkins_user_id_idx on app.checkins (user_id);
create index checkins_marked_by_idx on app.checkins (marked_by);
create index leave_requests_user_id_idx on app.leave_requests (user_id);
create index leave_requests_decided_by_idx on app.leave_requests (decided_by);
create index makeups_user_id_idx on app.makeups (user_id);

create index checkin_attempts_user_id_idx on app.checkin_attempts (user_id);

-- functions: the expected list --------------------------------------------------------------
create function app.session_expected(p_session uuid)
returns table (user_id uuid, org_id uuid)
language sql stable security definer set search_path = '' as $$
  select distinct on (x.user_id) x.user_id, x.org_id
    from (
      select sm.user_id, sm.org_id, sm.depth from app.session_members sm where sm.session_id = p_session
      union all
      select i.user_id, null::uuid, 0 from app.session_invitees i where i.session_id = p_session
    ) x
   order by x.user_id, x.depth desc, x.org_id
$$;
revoke execute on function app.session_expected(uuid) from public;
grant execute on function app.session_expected(uuid) to authenticated, service_role;

-- from the user's few memberships up their paths; plpgsql so that its query is planned once per
-- connection rather than on every call (it runs on every check-in)
create function app.is_expected(p_session uuid, p_user uuid) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  return exists (select 1 from app.session_invitees i where i.session_id = p_session and i.user_id = p_user)
      or exists (select 1 from app.session_members sm where sm.session_id = p_session and sm.user_id = p_user);
end
$$;
revoke execute on function app.is_expected(uuid, uuid) from public;
grant execute on function app.is_expected(uuid, uuid) to authenticated, service_role;

-- functions -------------------------------------------------------------------------------
create function app.my_session_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select s.id from app.sessions s
   where s.org_id in (select app.managed_org_ids()) or s.organiser_id = auth.uid() or s.created_by = auth.uid()
  union
  select so.session_id from app.session_orgs so
   where so.org_id in (
     select unnest(o.path) from app.memberships m join app.organisations o on o.id = m.org_id
      where m.user_id = auth.uid() and m.ended_at is null)
  union
  select i.session_id from app.session_invitees i where i.user_id = auth.uid()
  union
  -- expected on the day, wherever the member belongs now
  select f.session_id from app.attendance_facts f where f.user_id = auth.uid()
$$;
revoke execute on function app.my_session_ids() from public;
grant execute on function app.my_session_ids() to authenticated, service_role;

-- organiser, creator, or a secretary (or more) of the organising organisation
create function app.can_run_session(p_session uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from app.sessions s
     where s.id = p_session
       and (s.organiser_id = auth.uid() or s.created_by = auth.uid() or app.can_manage(s.org_id)))
$$;
revoke execute on function app.can_run_session(uuid) from public;
grant execute on function app.can_run_session(uuid) to authenticated, service_role;

-- expected members, invitees, the organiser and managers
create function app.can_see_session(p_session uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select auth.uid() is not null and (app.can_run_session(p_session) or app.is_expected(p_session, auth.uid()))
$$;
revoke execute on function app.can_see_session(uuid) from public;
grant execute on function app.can_see_session(uuid) to authenticated, service_role;

-- 6 digits from HMAC-SHA256(step, secret), step = floor(epoch / 30)
create function app.code_of(p_secret bytea, p_step bigint) returns text
language plpgsql immutable set search_path = '' as $$
begin
  -- 6 digits from HMAC-SHA256(step, secret), step = floor(epoch / 30)
  return lpad(((('x' || lpad(substr(encode(extensions.hmac(p_step::text::bytea, p_secret, 'sha256'), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint
               % 1000000))::text, 6, '0');
end
$$;
revoke execute on function app.code_of(bytea, bigint) from public;
grant execute on function app.code_of(bytea, bigint) to service_role;

create function app.session_code(p_session uuid, p_step bigint) returns text
language sql stable security definer set search_path = '' as $$
  select app.code_of(s.secret, p_step) from app.session_secrets s where s.session_id = p_session
$$;
revoke execute on function app.session_code(uuid, bigint) from public;
grant execute on function app.session_code(uuid, bigint) to service_role;

create function app.step_of(p_at timestamptz) returns bigint
language plpgsql immutable set search_path = '' as $$
begin
  return floor(extract(epoch from p_at) / 30)::bigint;
end
$$;
revoke execute on function app.step_of(timestamp with time zone) from public;
grant execute on function app.step_of(timestamp with time zone) to authenticated, service_role;

-- the kept counts of committed writes (a change folds in at its commit): one row by primary key
create function app.session_counts(p_session uuid) returns jsonb
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
revoke execute on function app.session_counts(uuid) from public;
grant execute on function app.session_counts(uuid) to authenticated, service_role;

-- a member's status at a session: checked-in status, else approved leave, else absent once
-- check-in has closed, else not yet ('expected')
create function app.status_of(p_session app.sessions, p_checkin text, p_leave text) returns text
language sql stable set search_path = '' as $$
  select coalesce(p_checkin,
    case when p_leave = 'approved' then 'excused'
         when p_session.checkin_closes_at < now() then 'absent'
         else 'expected' end)
$$;
revoke execute on function app.status_of(app.sessions, text, text) from public;
grant execute on function app.status_of(app.sessions, text, text) to authenticated, service_role;

-- triggers ----------------------------------------------------------------------------------
create trigger sessions_touch before update on app.sessions
  for each row execute function app.touch_updated_at();

create function app.sessions_new_secret() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.session_secrets (session_id) values (new.id) on conflict do nothing;
  return null;
end
$$;
revoke execute on function app.sessions_new_secret() from public;
grant execute on function app.sessions_new_secret() to authenticated, service_role;

create trigger sessions_secret after insert on app.sessions
  for each row execute function app.sessions_new_secret();

-- creator, organising organisation and creation time never change
create function app.sessions_keep_fixed() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.created_by := old.created_by;
  new.created_at := old.created_at;
  new.org_id := old.org_id;
  return new;
end
$$;
revoke execute on function app.sessions_keep_fixed() from public;
grant execute on function app.sessions_keep_fixed() to authenticated, service_role;

create trigger sessions_fixed before update on app.sessions
  for each row execute function app.sessions_keep_fixed();

create function app.sessions_new_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into app.session_tallies (session_id) values (new.id) on conflict do nothing;
  return null;
end
$$;
revoke execute on function app.sessions_new_tally() from public;

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
revoke execute on function app.checkins_tally() from public;

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
revoke execute on function app.leave_requests_tally() from public;

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
revoke execute on function app.session_tally_fold() from public;

-- expected lists: once per statement, for the sessions the changed rows touch
create function app.session_links_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(array(select distinct x.session_id from changed x));
  return null;
end
$$;
revoke execute on function app.session_links_tally() from public;

-- a membership counts at every session expected of its organisation or one above it
create function app.memberships_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(app.sessions_expecting(array(select distinct x.org_id from changed x)));
  return null;
end
$$;
revoke execute on function app.memberships_tally() from public;

-- a move changes who is below the organisations on the old and the new path
create function app.organisations_tally() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.tally_expected(app.sessions_of_orgs(array(
    select a.id from old_rows o join new_rows n on n.id = o.id cross join unnest(o.path || n.path) a(id)
     where n.path is distinct from o.path)));
  return null;
end
$$;
revoke execute on function app.organisations_tally() from public;

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
revoke execute on function app.tallies_broadcast() from public;

create trigger session_tallies_broadcast after update on app.session_tallies
  for each row when (old is distinct from new) execute function app.tallies_broadcast();

-- The helpers every check-in calls, planned once per connection (#15). A SQL function with a SET
-- clause (search_path, which every function here must fix) is never inlined, and PostgreSQL 15
-- plans a non-inlined SQL function again on each call; plpgsql keeps its plans for the session.

-- A member moved to another branch keeps the sessions they were expected at (review of #14/#13).
--
-- app.my_session_ids (the sessions RLS lets a member see) follows today's memberships and adds
-- the sessions the member was expected at on the day, so a member moved to another branch keeps
-- the old branch's past sessions in 活动, as the attendance record (app.attendance_facts, by who
-- belonged on the day) counts them there. Such a
-- session's organisation is no longer one the member may read (RLS on app.organisations follows
-- today's memberships, and should: its roster, topics and plans are no longer theirs), so its
-- name comes through app.session_org_name, which gives a name only, only of a session's own or
-- expected organisation, only to someone who may see that session.

-- The name of a session's organisation (or one of its expected organisations), which a member
-- who has since moved may no longer read: the name only, never the row.
create function app.session_org_name(p_session_id uuid, p_org_id uuid) returns text
language sql stable security definer set search_path = '' as $$
  select o.name from app.organisations o
   where o.id = p_org_id
     and (o.id in (select app.visible_org_ids())
          or ((exists (select 1 from app.sessions s where s.id = p_session_id and s.org_id = p_org_id)
               or exists (select 1 from app.session_orgs so where so.session_id = p_session_id and so.org_id = p_org_id))
              and app.can_see_session(p_session_id)))
$$;
revoke execute on function app.session_org_name(uuid, uuid) from public;
grant execute on function app.session_org_name(uuid, uuid) to authenticated;

-- RLS ---------------------------------------------------------------------------------------
alter table app.sessions enable row level security;
alter table app.session_secrets enable row level security;
alter table app.session_orgs enable row level security;
alter table app.session_invitees enable row level security;
alter table app.session_readings enable row level security;
alter table app.checkins enable row level security;
alter table app.leave_requests enable row level security;
alter table app.makeups enable row level security;

create policy sessions_select on app.sessions for select to authenticated
  using (id in (select app.my_session_ids()));

create policy sessions_insert on app.sessions for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and created_by = (select auth.uid()));

create policy sessions_update on app.sessions for update to authenticated
  using (org_id in (select app.managed_org_ids()) or organiser_id = (select auth.uid()))
  with check (org_id in (select app.managed_org_ids()) or organiser_id = (select auth.uid()));

-- session_secrets: no grant to authenticated, and a policy that says so explicitly (a table
-- with RLS and no policy reads as an oversight to the database advisor)
create policy session_secrets_select on app.session_secrets for select to authenticated using (false);

create policy session_orgs_select on app.session_orgs for select to authenticated
  using (app.can_see_session(session_id));

create policy session_orgs_insert on app.session_orgs for insert to authenticated
  with check (app.can_run_session(session_id) and org_id in (select app.managed_org_ids()));

create policy session_orgs_delete on app.session_orgs for delete to authenticated
  using (app.can_run_session(session_id));

create policy session_invitees_select on app.session_invitees for select to authenticated
  using (user_id = (select auth.uid()) or app.can_see_session(session_id));

create policy session_invitees_insert on app.session_invitees for insert to authenticated
  with check (app.can_run_session(session_id));

create policy session_invitees_delete on app.session_invitees for delete to authenticated
  using (app.can_run_session(session_id));

create policy session_readings_select on app.session_readings for select to authenticated
  using (app.can_see_session(session_id));

create policy session_readings_insert on app.session_readings for insert to authenticated
  with check (app.can_run_session(session_id));

create policy session_readings_delete on app.session_readings for delete to authenticated
  using (app.can_run_session(session_id));

-- members check in only through public.session_check_in (code verified by app.check_in); by hand only
-- those who run the session, recorded with who did it
create policy checkins_select on app.checkins for select to authenticated
  using (user_id = (select auth.uid()) or app.can_run_session(session_id));

create policy checkins_insert on app.checkins for insert to authenticated
  with check (method = 'manual' and marked_by = (select auth.uid()) and app.can_run_session(session_id));

create policy checkins_update on app.checkins for update to authenticated
  using (app.can_run_session(session_id))
  with check (method = 'manual' and marked_by = (select auth.uid()) and app.can_run_session(session_id));

create policy leave_requests_select on app.leave_requests for select to authenticated
  using (user_id = (select auth.uid()) or app.can_run_session(session_id));

create policy leave_requests_insert on app.leave_requests for insert to authenticated
  with check (user_id = (select auth.uid()) and status = 'pending' and app.is_expected(session_id, (select auth.uid())));

create policy leave_requests_update on app.leave_requests for update to authenticated
  using (app.can_run_session(session_id))
  with check (app.can_run_session(session_id) and decided_by = (select auth.uid()));

create policy makeups_select on app.makeups for select to authenticated
  using (user_id = (select auth.uid()) or app.can_run_session(session_id));

create policy makeups_insert on app.makeups for insert to authenticated
  with check (user_id = (select auth.uid()));

alter table app.checkin_attempts enable row level security;

create policy checkin_attempts_select on app.checkin_attempts for select to authenticated using (false);

grant all on app.checkin_attempts to service_role;

alter table app.session_tallies enable row level security;
alter table app.session_tally_deltas enable row level security;

create policy session_tally_deltas_select on app.session_tally_deltas for select to authenticated using (false);

grant all on app.session_tally_deltas to service_role;

create policy session_tallies_select on app.session_tallies for select to authenticated using (false);

grant all on app.session_tallies to service_role;

-- functions: crossing RLS on purpose -------------------------------------------------------
create function app.session_or_404(p_session uuid) returns app.sessions
language plpgsql stable security definer set search_path = '' as $$
declare
  v app.sessions;
begin
  select * into v from app.sessions s where s.id = p_session;
  if not found or not app.can_see_session(p_session) then
    raise exception using message = 'sessions.not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function app.session_or_404(uuid) from public;
grant execute on function app.session_or_404(uuid) to authenticated, service_role;

create function app.require_run_session(p_session uuid) returns app.sessions
language plpgsql stable security definer set search_path = '' as $$
declare
  v app.sessions := app.session_or_404(p_session);
begin
  if not app.can_run_session(p_session) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  return v;
end
$$;
revoke execute on function app.require_run_session(uuid) from public;
grant execute on function app.require_run_session(uuid) to authenticated, service_role;

create function app.checkin_json(c app.checkins) returns jsonb
language plpgsql stable set search_path = '' as $$
begin
  return jsonb_build_object('id', c.id, 'session_id', c.session_id, 'user_id', c.user_id, 'status', c.status,
    'method', c.method, 'checked_at', c.checked_at, 'claimed_at', c.claimed_at, 'reason', c.reason);
end
$$;
revoke execute on function app.checkin_json(app.checkins) from public;
grant execute on function app.checkin_json(app.checkins) to authenticated, service_role;

-- The code screen: organiser and managers only.
create function app.session_code_now(p_session uuid) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_s app.sessions := app.require_run_session(p_session);
  v_step bigint := app.step_of(now());
begin
  return jsonb_build_object(
    'code', app.session_code(v_s.id, v_step),
    'step', v_step,
    'expires_at', to_timestamp((v_step + 1) * 30),
    'server_time', now(),
    'opens_at', v_s.checkin_opens_at,
    'closes_at', v_s.checkin_closes_at,
    'counts', app.session_counts(v_s.id));
end
$$;
revoke execute on function app.session_code_now(uuid) from public;
grant execute on function app.session_code_now(uuid) to authenticated, service_role;

-- functions: check-in -----------------------------------------------------------------------

-- Verifies a code and records the check-in. Authorisation first (seeing the session, being
-- expected), then a repeat is acknowledged, then the window, then the attempt limit, then the code.
create function app.check_in(p_id uuid, p_session uuid, p_code text, p_method text, p_claimed_at timestamptz)
returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions;
  v_c app.checkins;
  v_at timestamptz;
  v_step bigint;
  v_code text := btrim(coalesce(p_code, ''));
  v_secret bytea;
  v_method text := case when p_claimed_at is not null then 'offline' else coalesce(p_method, 'code') end;
  v_attempts int;
begin
  if p_id is null or p_session is null then
    raise exception using message = 'checkin.id_required', errcode = 'P0001';
  end if;
  if p_method is not null and p_method not in ('code', 'qr') then
    raise exception using message = 'checkin.method_invalid', errcode = 'P0001';
  end if;
  select * into v_c from app.checkins c where c.id = p_id;
  if found then
    if v_c.user_id <> v_uid or v_c.session_id <> p_session then
      raise exception using message = 'checkin.id_conflict', errcode = 'PT409';
    end if;
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  -- not visible and not expected read the same to a member: they are not expected there
  select * into v_s from app.sessions s where s.id = p_session;
  if not found then
    raise exception using message = 'sessions.not_found', errcode = 'PT404';
  end if;
  if not app.is_expected(v_s.id, v_uid) then
    raise exception using message = 'checkin.not_expected', errcode = '42501';
  end if;
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
  if found then
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  if v_s.cancelled_at is not null then
    raise exception using message = 'checkin.cancelled', errcode = 'P0001';
  end if;
  if v_code !~ '^[0-9]{6}$' then
    raise exception using message = 'checkin.code_invalid', errcode = 'P0001';
  end if;
  if p_claimed_at is not null then
    if p_claimed_at > now() then
      raise exception using message = 'checkin.claimed_in_future', errcode = 'P0001';
    end if;
    if now() > v_s.starts_at + make_interval(mins => v_s.duration_minutes) then
      raise exception using message = 'checkin.record_closed', errcode = 'P0001';
    end if;
    if p_claimed_at < now() - app.offline_claim_window() then
      raise exception using message = 'checkin.claim_too_old', errcode = 'P0001';
    end if;
    if p_claimed_at < v_s.checkin_opens_at or p_claimed_at > v_s.checkin_closes_at then
      raise exception using message = 'checkin.outside_window', errcode = 'P0001';
    end if;
    v_at := p_claimed_at;
  else
    v_at := now();
    if v_at < v_s.checkin_opens_at then
      raise exception using message = 'checkin.not_open', errcode = 'P0001',
        detail = to_char(v_s.checkin_opens_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        hint = to_char(v_s.checkin_opens_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    end if;
    if v_at > v_s.checkin_closes_at then
      raise exception using message = 'checkin.closed', errcode = 'P0001';
    end if;
  end if;
  -- every code tried is counted before it is compared; the row lock makes a member's parallel
  -- tries wait for each other, so a burst cannot test more codes than the limit
  insert into app.checkin_attempts as a (session_id, user_id, attempts) values (v_s.id, v_uid, 1)
  on conflict (session_id, user_id) do update set attempts = a.attempts + 1, last_at = now()
  returning a.attempts into v_attempts;
  if v_attempts > app.checkin_max_attempts() then
    raise exception using message = 'checkin.too_many_attempts', errcode = 'PT429';
  end if;
  v_step := app.step_of(v_at);
  select ss.secret into v_secret from app.session_secrets ss where ss.session_id = v_s.id;
  if v_code not in (app.code_of(v_secret, v_step), app.code_of(v_secret, v_step - 1),
                    app.code_of(v_secret, v_step + 1)) then
    -- a code shown earlier answers as any wrong code does: nothing tells a guesser it was real
    return app.refusal('checkin.code_invalid', 400, 'P0001');
  end if;
  insert into app.checkins (id, session_id, user_id, status, method, checked_at, claimed_at)
  values (p_id, v_s.id, v_uid, app.arrival_status(v_s, v_at), v_method, now(), p_claimed_at)
  on conflict do nothing
  returning * into v_c;
  if v_c.id is null then
    -- a concurrent request of the same member won
    select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
    return jsonb_build_object('status', 'already', 'checkin', app.checkin_json(v_c));
  end if;
  return jsonb_build_object('status', 'ok', 'checkin', app.checkin_json(v_c));
end
$$;
revoke execute on function app.check_in(uuid, uuid, text, text, timestamp with time zone) from public;
grant execute on function app.check_in(uuid, uuid, text, text, timestamp with time zone) to authenticated, service_role;

-- The attendance sheet: every expected member with status and time, leave requests included;
-- offline check-ins say so (claimed on the phone at claimed_at, received at checked_at), and a
-- member who has used up their code attempts is flagged so the organiser can mark them by hand.
create function app.attendance_sheet(p_session uuid) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  v_s app.sessions := app.require_run_session(p_session);
begin
  return jsonb_build_object(
    'session_id', v_s.id,
    'starts_at', v_s.starts_at,
    'late_after_minutes', v_s.late_after_minutes,
    'counts', app.session_counts(v_s.id),
    'rows', coalesce((
      select jsonb_agg(jsonb_build_object(
          'user_id', e.user_id, 'display_name', p.display_name,
          'org_name', coalesce(o.name, ''), 'invitee', e.org_id is null,
          'status', app.status_of(v_s, c.status, l.status),
          'method', c.method, 'checked_at', c.checked_at, 'claimed_at', c.claimed_at,
          'offline', coalesce(c.claimed_at is not null, false),
          'code_locked', c.id is null and coalesce(a.attempts >= app.checkin_max_attempts(), false),
          'reason', c.reason, 'marked_by_name', mb.display_name,
          'leave', case when l.id is null then null else jsonb_build_object(
            'id', l.id, 'status', l.status, 'reason', l.reason, 'created_at', l.created_at) end)
          order by o.name nulls last, p.display_name)
        from app.session_expected(v_s.id) e
        join app.profiles p on p.user_id = e.user_id
        left join app.organisations o on o.id = e.org_id
        left join app.checkins c on c.session_id = v_s.id and c.user_id = e.user_id
        left join app.profiles mb on mb.user_id = c.marked_by
        left join app.leave_requests l on l.session_id = v_s.id and l.user_id = e.user_id
        left join app.checkin_attempts a on a.session_id = v_s.id and a.user_id = e.user_id), '[]'::jsonb));
end
$$;
revoke execute on function app.attendance_sheet(uuid) from public;
grant execute on function app.attendance_sheet(uuid) to authenticated, service_role;

-- functions: readers of the summary -----------------------------------------------------------

-- Attendance per member and per organisation over a period, for a manager of p_org (same shape).
-- The totals and the organisations' rows are whole on every call; members come a page at a time
-- (a county has thousands), in the tree's order then by name: p_limit of them after p_after, the
-- `next` of the page before (null: the first page), with member_count for all of them.
create function app.attendance_summary(p_org uuid, p_from date, p_to date, p_after jsonb, p_limit int) returns jsonb
language plpgsql stable security definer set search_path = '' set jit = off as $$
declare
  v_after_path uuid[];
  v_after_name text;
  v_after_user uuid;
begin
  perform app.require_user();
  if p_org is null or p_from is null or p_to is null or p_from > p_to or p_to - p_from > 366 then
    raise exception using message = 'attendance.period_invalid', errcode = 'P0001';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'attendance.page_size_invalid', errcode = 'P0001';
  end if;
  if p_after is not null then
    begin
      v_after_path := array(select jsonb_array_elements_text(p_after -> 'path'))::uuid[];
      v_after_name := p_after ->> 'name';
      v_after_user := (p_after ->> 'user_id')::uuid;
    exception when others then
      raise exception using message = 'attendance.cursor_invalid', errcode = 'P0001';
    end;
    if v_after_name is null or v_after_user is null or coalesce(cardinality(v_after_path), 0) = 0 then
      raise exception using message = 'attendance.cursor_invalid', errcode = 'P0001';
    end if;
  end if;
  if not app.can_manage(p_org) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  return (
    with sub as (
      select o.id, o.name, o.path from app.organisations o where o.path @> array[p_org]
    ),
    ss as (
      select s.id from app.sessions s
       where s.org_id in (select id from sub) and s.cancelled_at is null
         and s.starts_at >= p_from::timestamptz and s.starts_at < (p_to + 1)::timestamptz
         and s.checkin_closes_at < now()
    ),
    -- expected (session, member) pairs from the summary: those who belonged on the day to an
    -- organisation of the subtree, counted in the deepest one that brought them
    st as (
      select f.user_id, f.org_id,
             coalesce(f.checkin_status, case when f.leave_status = 'approved' then 'excused' else 'absent' end) as status
        from app.attendance_facts f
       where f.session_org_id in (select id from sub) and not f.cancelled
         and f.starts_at >= p_from::timestamptz and f.starts_at < (p_to + 1)::timestamptz
         and f.closes_at < now() and f.org_id in (select id from sub)
    ),
    per_member as (
      select st.user_id, min(st.org_id::text)::uuid as org_id, count(*) as expected,
             count(*) filter (where status = 'present') as present,
             count(*) filter (where status = 'late') as late,
             count(*) filter (where status = 'excused') as excused,
             count(*) filter (where status = 'absent') as absent
        from st group by st.user_id
    ),
    per_org as (
      select st.org_id, count(*) as expected,
             count(*) filter (where status = 'present') as present,
             count(*) filter (where status = 'late') as late,
             count(*) filter (where status = 'excused') as excused,
             count(*) filter (where status = 'absent') as absent
        from st group by st.org_id
    ),
    -- this page of members and one more (is there a next page?), in the order the cursor follows
    page as (
      select sub.path, pr.display_name, pm.user_id,
             row_number() over (order by sub.path, pr.display_name, pm.user_id) as n,
             jsonb_build_object('user_id', pm.user_id, 'display_name', pr.display_name,
               'org_name', sub.name, 'expected', pm.expected, 'present', pm.present, 'late', pm.late,
               'excused', pm.excused, 'absent', pm.absent,
               'rate', round((pm.present + pm.late)::numeric / nullif(pm.expected, 0), 4)) as member
        from per_member pm join app.profiles pr on pr.user_id = pm.user_id
        join sub on sub.id = pm.org_id
       where v_after_user is null or (sub.path, pr.display_name, pm.user_id) > (v_after_path, v_after_name, v_after_user)
       order by sub.path, pr.display_name, pm.user_id
       limit p_limit + 1
    )
    select jsonb_build_object(
      'org_id', p_org, 'from', p_from, 'to', p_to,
      'formula', '(present + late) / expected',
      'sessions', (select count(*) from ss),
      'orgs', coalesce((
        select jsonb_agg(jsonb_build_object('org_id', po.org_id, 'name', sub.name,
            'expected', po.expected, 'present', po.present, 'late', po.late, 'excused', po.excused,
            'absent', po.absent, 'rate', round((po.present + po.late)::numeric / nullif(po.expected, 0), 4))
            order by sub.path)
          from per_org po join sub on sub.id = po.org_id), '[]'::jsonb),
      'member_count', (select count(*) from per_member),
      'members', coalesce((select jsonb_agg(pg.member order by pg.n) from page pg where pg.n <= p_limit), '[]'::jsonb),
      'next', (select jsonb_build_object('path', pg.path, 'name', pg.display_name, 'user_id', pg.user_id)
                 from page pg where pg.n = p_limit and exists (select 1 from page x where x.n > p_limit)))
  );
end
$$;
revoke execute on function app.attendance_summary(uuid, date, date, jsonb, int) from public;
grant execute on function app.attendance_summary(uuid, date, date, jsonb, int) to authenticated, service_role;

-- What home shows: my next session (not cancelled, not yet closed) and my status there.
create function app.home_sessions() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select jsonb_build_object('next_session', (
    select jsonb_build_object('id', s.id, 'title', s.title, 'kind', s.kind, 'starts_at', s.starts_at,
        'place', s.place,
        'my_status', app.status_of(s,
          (select c.status from app.checkins c where c.session_id = s.id and c.user_id = auth.uid()),
          (select l.status from app.leave_requests l where l.session_id = s.id and l.user_id = auth.uid())))
      from app.sessions s
     where s.id in (select app.member_session_ids(auth.uid()))
       and s.cancelled_at is null and s.checkin_closes_at >= now()
       and app.is_expected(s.id, auth.uid())
     order by s.starts_at
     limit 1))
$$;
revoke execute on function app.home_sessions() from public;
grant execute on function app.home_sessions() to authenticated, service_role;

-- functions: the API ------------------------------------------------------------------------
-- Creates a session (p_id made by the client) or, when it exists, edits it. Expected
-- organisations default to the organising one; they must be ones the caller manages.
create function public.session_save(
  p_id uuid, p_org_id uuid, p_kind text, p_title text, p_starts_at timestamptz, p_duration_minutes int,
  p_place text default '', p_expected_org_ids uuid[] default null, p_invitee_ids uuid[] default '{}',
  p_checkin_opens_at timestamptz default null, p_checkin_closes_at timestamptz default null,
  p_reading_ids uuid[] default '{}', p_late_after_minutes int default 5)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := btrim(coalesce(p_title, ''));
  v_place text := btrim(coalesce(p_place, ''));
  v_grace int := coalesce(p_late_after_minutes, 5);
  v_opens timestamptz := coalesce(p_checkin_opens_at, p_starts_at - interval '30 minutes');
  v_closes timestamptz := coalesce(p_checkin_closes_at, p_starts_at + greatest(interval '15 minutes', make_interval(mins => coalesce(p_late_after_minutes, 5) + 10)));
  v_orgs uuid[] := coalesce(p_expected_org_ids, array[p_org_id]);
  v_invitees uuid[] := coalesce(p_invitee_ids, '{}');
  v_existing app.sessions;
begin
  if p_id is null then
    raise exception using message = 'sessions.id_required', errcode = 'P0001';
  elsif p_kind is null or not (p_kind = any (app.session_kinds())) then
    raise exception using message = 'sessions.kind_invalid', errcode = 'P0001';
  elsif v_title = '' then
    raise exception using message = 'sessions.title_required', errcode = 'P0001';
  elsif char_length(v_title) > 60 then
    raise exception using message = 'sessions.title_too_long', errcode = 'P0001';
  elsif char_length(v_place) > 60 then
    raise exception using message = 'sessions.place_too_long', errcode = 'P0001';
  elsif p_starts_at is null then
    raise exception using message = 'sessions.starts_required', errcode = 'P0001';
  elsif p_duration_minutes is null or p_duration_minutes not between 5 and 720 then
    raise exception using message = 'sessions.duration_invalid', errcode = 'P0001';
  elsif v_grace not between 0 and 60 then
    raise exception using message = 'sessions.grace_invalid', errcode = 'P0001';
  elsif v_closes > p_starts_at + make_interval(mins => p_duration_minutes) and p_checkin_closes_at is null then
    -- the default close (start + 15 minutes, or grace + 10) is cut to a short session's end
    v_closes := p_starts_at + make_interval(mins => p_duration_minutes);
  end if;
  if v_opens > p_starts_at or v_closes < p_starts_at or v_closes <= v_opens
     or v_closes > p_starts_at + make_interval(mins => p_duration_minutes) then
    raise exception using message = 'sessions.window_invalid', errcode = 'P0001';
  elsif cardinality(v_orgs) = 0 and cardinality(v_invitees) = 0 then
    raise exception using message = 'sessions.nobody_expected', errcode = 'P0001';
  elsif cardinality(v_orgs) > 50 or cardinality(v_invitees) > 50 or cardinality(coalesce(p_reading_ids, '{}')) > 20 then
    raise exception using message = 'sessions.too_many', errcode = 'P0001';
  end if;
  select * into v_existing from app.sessions s where s.id = p_id;
  if found then
    if not app.can_run_session(p_id) then
      raise exception using message = 'sessions.forbidden', errcode = '42501';
    end if;
    if v_existing.org_id <> p_org_id then
      raise exception using message = 'sessions.org_fixed', errcode = 'P0001';
    end if;
  elsif p_org_id is null or not app.can_manage(p_org_id) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  if exists (select 1 from unnest(v_orgs) x where x is null or x not in (select app.managed_org_ids())) then
    raise exception using message = 'sessions.expected_org_forbidden', errcode = '42501';
  end if;
  if (select count(*) from app.profiles p where p.user_id = any (v_invitees)) <> cardinality(array(select distinct unnest(v_invitees))) then
    raise exception using message = 'sessions.invitee_not_found', errcode = 'P0001';
  end if;

  if v_existing.id is null then
    begin
      insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id,
        checkin_opens_at, checkin_closes_at, late_after_minutes, created_by)
      values (p_id, p_org_id, p_kind, v_title, p_starts_at, p_duration_minutes, v_place, v_uid, v_opens, v_closes, v_grace, v_uid);
    exception when unique_violation then
      -- the id is taken by a session the caller cannot see
      raise exception using message = 'sessions.id_conflict', errcode = 'PT409';
    end;
    perform app.audit(p_org_id, 'session.create', p_id, jsonb_build_object('title', v_title));
  else
    update app.sessions set kind = p_kind, title = v_title, starts_at = p_starts_at,
           duration_minutes = p_duration_minutes, place = v_place,
           checkin_opens_at = v_opens, checkin_closes_at = v_closes, late_after_minutes = v_grace
     where id = p_id;
    delete from app.session_orgs where session_id = p_id and org_id <> all (v_orgs);
    delete from app.session_invitees where session_id = p_id and user_id <> all (v_invitees);
    delete from app.session_readings where session_id = p_id and reading_id <> all (coalesce(p_reading_ids, '{}'));
  end if;
  insert into app.session_orgs (session_id, org_id) select p_id, x from unnest(v_orgs) x on conflict do nothing;
  insert into app.session_invitees (session_id, user_id) select p_id, x from unnest(v_invitees) x on conflict do nothing;
  insert into app.session_readings (session_id, reading_id, sort_order)
  select p_id, x, n from unnest(coalesce(p_reading_ids, '{}')) with ordinality as r(x, n) on conflict do nothing;
  return public.session_detail(p_id);
end
$$;
revoke execute on function public.session_save(uuid, uuid, text, text, timestamp with time zone, integer, text, uuid[], uuid[], timestamp with time zone, timestamp with time zone, uuid[], integer) from public, anon;
grant execute on function public.session_save(uuid, uuid, text, text, timestamp with time zone, integer, text, uuid[], uuid[], timestamp with time zone, timestamp with time zone, uuid[], integer) to authenticated;

create function public.session_cancel(p_session_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_s app.sessions := app.require_run_session(p_session_id);
begin
  if v_s.cancelled_at is null then
    update app.sessions set cancelled_at = now() where id = v_s.id;
    perform app.audit(v_s.org_id, 'session.cancel', v_s.id);
  end if;
  return public.session_detail(p_session_id);
end
$$;
revoke execute on function public.session_cancel(uuid) from public, anon;
grant execute on function public.session_cancel(uuid) to authenticated;

-- session_detail (research topic included) and my_sessions give the organisations' names
-- through app.session_org_name
create function public.session_detail(p_session_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions := app.session_or_404(p_session_id);
  v_run boolean := app.can_run_session(v_s.id);
  v_c app.checkins;
  v_l app.leave_requests;
begin
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid;
  select * into v_l from app.leave_requests l where l.session_id = v_s.id and l.user_id = v_uid;
  return jsonb_build_object(
    'id', v_s.id, 'org_id', v_s.org_id, 'kind', v_s.kind, 'title', v_s.title,
    'starts_at', v_s.starts_at, 'duration_minutes', v_s.duration_minutes,
    'ends_at', v_s.starts_at + make_interval(mins => v_s.duration_minutes),
    'place', v_s.place, 'checkin_opens_at', v_s.checkin_opens_at, 'checkin_closes_at', v_s.checkin_closes_at,
    'late_after_minutes', v_s.late_after_minutes,
    'cancelled_at', v_s.cancelled_at, 'server_time', now(),
    'org_name', app.session_org_name(v_s.id, v_s.org_id),
    'organiser_id', v_s.organiser_id,
    'organiser_name', (select p.display_name from app.profiles p where p.user_id = v_s.organiser_id),
    'expected_orgs', coalesce((select jsonb_agg(jsonb_build_object('id', so.org_id, 'name', coalesce(o.name, app.session_org_name(v_s.id, so.org_id))) order by o.path nulls last)
        from app.session_orgs so left join app.organisations o on o.id = so.org_id where so.session_id = v_s.id), '[]'::jsonb),
    'invitees', coalesce((select jsonb_agg(jsonb_build_object('user_id', p.user_id, 'display_name', p.display_name) order by p.display_name)
        from app.session_invitees i join app.profiles p on p.user_id = i.user_id where i.session_id = v_s.id), '[]'::jsonb),
    'reading_ids', coalesce((select jsonb_agg(r.reading_id order by r.sort_order)
        from app.session_readings r where r.session_id = v_s.id), '[]'::jsonb),
    'readings', coalesce((select jsonb_agg(jsonb_build_object('id', rd.id, 'title', rd.title) order by r.sort_order)
        from app.session_readings r join app.readings rd on rd.id = r.reading_id where r.session_id = v_s.id), '[]'::jsonb),
    'minutes', jsonb_build_object('topic', v_s.minutes_topic, 'speakers', v_s.minutes_speakers,
        'decisions', v_s.minutes_decisions, 'updated_at', v_s.minutes_updated_at),
    'expected', app.is_expected(v_s.id, v_uid),
    'can_run', v_run,
    'my_status', app.status_of(v_s, v_c.status, v_l.status),
    'my_checkin', case when v_c.id is null then null else app.checkin_json(v_c) end,
    'my_leave', case when v_l.id is null then null else jsonb_build_object('id', v_l.id, 'status', v_l.status,
        'reason', v_l.reason, 'created_at', v_l.created_at, 'decided_at', v_l.decided_at) end,
    'makeup_completed_at', (select m.completed_at from app.makeups m where m.session_id = v_s.id and m.user_id = v_uid),
    'counts', case when v_run then app.session_counts(v_s.id) else null end,
    -- the research topic a 专题调研 works on (null for other kinds, even if one was linked
    -- before its kind was changed)
    'research_topic', case when v_s.kind = 'research' then (
        select jsonb_build_object('id', t.id, 'title', t.title, 'brief', t.brief, 'org_name', o.name)
          from app.research_topic_sessions l
          join app.research_topics t on t.id = l.topic_id
          join app.organisations o on o.id = t.org_id
         where l.session_id = v_s.id) end);
end
$$;
revoke execute on function public.session_detail(uuid) from public, anon;
grant execute on function public.session_detail(uuid) to authenticated;

-- People a secretary may name as invitees (双重组织生活): members whose name or school contains
-- p_query (1..40 characters), at most 20; org_name is null where their organisation is not visible.
create function public.session_invitee_candidates(p_query text) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_q text := lower(btrim(coalesce(p_query, '')));
begin
  perform app.require_user();
  if char_length(v_q) not between 1 and 40 then
    raise exception using message = 'sessions.query_invalid', errcode = 'P0001';
  elsif not exists (select 1 from app.managed_org_ids()) then
    raise exception using message = 'sessions.forbidden', errcode = '42501';
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object('user_id', c.user_id, 'display_name', c.display_name,
             'school', c.school, 'org_name', c.org_name) order by c.display_name, c.user_id)
      from (select p.user_id, p.display_name, p.school,
                   (select o.name from app.memberships m join app.organisations o on o.id = m.org_id
                     where m.user_id = p.user_id and m.ended_at is null
                     order by m.joined_at, m.id limit 1) as org_name
              from app.profiles p
             where strpos(lower(p.display_name), v_q) > 0 or strpos(lower(p.school), v_q) > 0
             order by p.display_name, p.user_id
             limit 20) c), '[]'::jsonb);
end
$$;
revoke execute on function public.session_invitee_candidates(text) from public, anon;
grant execute on function public.session_invitee_candidates(text) to authenticated;

-- My sessions: upcoming (not yet closed, soonest first) or past (latest first), keyset-paged.
create function public.my_sessions(p_scope text default 'upcoming'::text, p_before timestamp with time zone default NULL::timestamp with time zone, p_limit integer default 20) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_scope is null or p_scope not in ('upcoming', 'past') then
    raise exception using message = 'sessions.scope_invalid', errcode = 'P0001';
  elsif p_limit is null or p_limit not between 1 and 100 then
    raise exception using message = 'sessions.limit_invalid', errcode = 'P0001';
  end if;
  return coalesce((
    select jsonb_agg(x.j order by case when p_scope = 'upcoming' then x.starts_at end,
                                  case when p_scope = 'past' then x.starts_at end desc)
      from (
        select s.starts_at, jsonb_build_object(
            'id', s.id, 'kind', s.kind, 'title', s.title, 'starts_at', s.starts_at,
            'duration_minutes', s.duration_minutes, 'place', s.place, 'cancelled_at', s.cancelled_at,
            'checkin_opens_at', s.checkin_opens_at, 'checkin_closes_at', s.checkin_closes_at,
            'org_name', app.session_org_name(s.id, s.org_id),
            'can_run', s.org_id in (select app.managed_org_ids()) or s.organiser_id = v_uid,
            'my_status', case when app.is_expected(s.id, v_uid) then app.status_of(s, c.status, l.status) end) as j
          from app.sessions s
          left join app.checkins c on c.session_id = s.id and c.user_id = v_uid
          left join app.leave_requests l on l.session_id = s.id and l.user_id = v_uid
         where case when p_scope = 'upcoming' then s.checkin_closes_at >= now()
                    else s.checkin_closes_at < now() end
           and (p_before is null or (case when p_scope = 'upcoming' then s.starts_at > p_before else s.starts_at < p_before end))
         order by case when p_scope = 'upcoming' then s.starts_at end,
                  case when p_scope = 'past' then s.starts_at end desc
         limit p_limit
      ) x), '[]'::jsonb);
end
$$;
revoke execute on function public.my_sessions(text, timestamp with time zone, integer) from public, anon;
grant execute on function public.my_sessions(text, timestamp with time zone, integer) to authenticated;

create function public.session_check_in(p_id uuid, p_session_id uuid, p_code text, p_method text default 'code', p_claimed_at timestamptz default null)
returns jsonb
language sql security invoker set search_path = '' as $$
  select app.check_in(p_id, p_session_id, p_code, p_method, p_claimed_at)
$$;
revoke execute on function public.session_check_in(uuid, uuid, text, text, timestamp with time zone) from public, anon;
grant execute on function public.session_check_in(uuid, uuid, text, text, timestamp with time zone) to authenticated;

create function public.session_code_now(p_session_id uuid) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.session_code_now(p_session_id)
$$;
revoke execute on function public.session_code_now(uuid) from public, anon;
grant execute on function public.session_code_now(uuid) to authenticated;

create function public.session_counts(p_session_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_run_session(p_session_id);
  return app.session_counts(p_session_id);
end
$$;
revoke execute on function public.session_counts(uuid) from public, anon;
grant execute on function public.session_counts(uuid) to authenticated;

create function public.attendance_sheet(p_session_id uuid) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.attendance_sheet(p_session_id)
$$;
revoke execute on function public.attendance_sheet(uuid) from public, anon;
grant execute on function public.attendance_sheet(uuid) to authenticated;

-- A manual mark (present or late) by someone who runs the session, with a reason.
create function public.attendance_mark(p_session_id uuid, p_user_id uuid, p_status text, p_reason text)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions := app.require_run_session(p_session_id);
  v_reason text := btrim(coalesce(p_reason, ''));
  v_c app.checkins;
begin
  if p_status is null or p_status not in ('present', 'late') then
    raise exception using message = 'attendance.status_invalid', errcode = 'P0001';
  elsif v_reason = '' then
    raise exception using message = 'attendance.reason_required', errcode = 'P0001';
  elsif char_length(v_reason) > 200 then
    raise exception using message = 'attendance.reason_too_long', errcode = 'P0001';
  elsif p_user_id is null or not app.is_expected(v_s.id, p_user_id) then
    raise exception using message = 'attendance.not_expected', errcode = 'P0001';
  elsif v_s.cancelled_at is not null then
    raise exception using message = 'checkin.cancelled', errcode = 'P0001';
  elsif now() < v_s.checkin_opens_at then
    raise exception using message = 'checkin.not_open', errcode = 'P0001';
  end if;
  select * into v_c from app.checkins c where c.session_id = v_s.id and c.user_id = p_user_id;
  if v_c.id is not null and v_c.status = p_status then
    return app.checkin_json(v_c);
  end if;
  insert into app.checkins (id, session_id, user_id, status, method, marked_by, reason)
  values (gen_random_uuid(), v_s.id, p_user_id, p_status, 'manual', v_uid, v_reason)
  on conflict (session_id, user_id) do update
    set status = excluded.status, method = 'manual', marked_by = excluded.marked_by, reason = excluded.reason
  returning * into v_c;
  perform app.audit(v_s.org_id, 'checkin.mark', p_user_id,
    jsonb_build_object('session_id', v_s.id, 'status', p_status, 'reason', v_reason));
  return app.checkin_json(v_c);
end
$$;
revoke execute on function public.attendance_mark(uuid, uuid, text, text) from public, anon;
grant execute on function public.attendance_mark(uuid, uuid, text, text) to authenticated;

create function public.leave_request(p_id uuid, p_session_id uuid, p_reason text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_reason text := btrim(coalesce(p_reason, ''));
  v_s app.sessions;
  v_l app.leave_requests;
begin
  if p_id is null then
    raise exception using message = 'leave.id_required', errcode = 'P0001';
  end if;
  select * into v_l from app.leave_requests l where l.id = p_id;
  if found then
    if v_l.user_id <> v_uid then
      raise exception using message = 'leave.id_conflict', errcode = 'PT409';
    end if;
    return jsonb_build_object('id', v_l.id, 'status', v_l.status, 'reason', v_l.reason);
  end if;
  v_s := app.session_or_404(p_session_id);
  if v_reason = '' then
    raise exception using message = 'leave.reason_required', errcode = 'P0001';
  elsif char_length(v_reason) > 200 then
    raise exception using message = 'leave.reason_too_long', errcode = 'P0001';
  elsif not app.is_expected(v_s.id, v_uid) then
    raise exception using message = 'leave.not_expected', errcode = 'P0001';
  elsif v_s.cancelled_at is not null then
    raise exception using message = 'checkin.cancelled', errcode = 'P0001';
  elsif now() >= v_s.starts_at then
    raise exception using message = 'leave.too_late', errcode = 'P0001';
  elsif exists (select 1 from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid) then
    raise exception using message = 'leave.already_checked_in', errcode = 'PT409';
  elsif exists (select 1 from app.leave_requests l where l.session_id = v_s.id and l.user_id = v_uid) then
    raise exception using message = 'leave.exists', errcode = 'PT409';
  end if;
  begin
    insert into app.leave_requests (id, session_id, user_id, reason) values (p_id, v_s.id, v_uid, v_reason)
    returning * into v_l;
  exception when unique_violation then
    raise exception using message = 'leave.id_conflict', errcode = 'PT409';
  end;
  return jsonb_build_object('id', v_l.id, 'status', v_l.status, 'reason', v_l.reason);
end
$$;
revoke execute on function public.leave_request(uuid, uuid, text) from public, anon;
grant execute on function public.leave_request(uuid, uuid, text) to authenticated;

create function public.leave_decide(p_leave_id uuid, p_approve boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_l app.leave_requests;
  v_status text := case when p_approve then 'approved' else 'declined' end;
begin
  if p_approve is null then
    raise exception using message = 'leave.decision_required', errcode = 'P0001';
  end if;
  select * into v_l from app.leave_requests l where l.id = p_leave_id;
  if not found then
    raise exception using message = 'leave.not_found', errcode = 'PT404';
  end if;
  perform app.require_run_session(v_l.session_id);
  if v_l.status = v_status then
    return jsonb_build_object('id', v_l.id, 'status', v_l.status);
  elsif v_l.status <> 'pending' then
    raise exception using message = 'leave.already_decided', errcode = 'PT409';
  end if;
  update app.leave_requests set status = v_status, decided_by = v_uid, decided_at = now()
   where id = v_l.id returning * into v_l;
  perform app.audit((select s.org_id from app.sessions s where s.id = v_l.session_id), 'leave.decide', v_l.user_id,
    jsonb_build_object('session_id', v_l.session_id, 'status', v_status));
  return jsonb_build_object('id', v_l.id, 'status', v_l.status);
end
$$;
revoke execute on function public.leave_decide(uuid, boolean) from public, anon;
grant execute on function public.leave_decide(uuid, boolean) to authenticated;

create function public.session_save_minutes(p_session_id uuid, p_topic text, p_speakers text, p_decisions text)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_s app.sessions := app.require_run_session(p_session_id);
begin
  if char_length(coalesce(p_topic, '')) > 200 or char_length(coalesce(p_speakers, '')) > 500
     or char_length(coalesce(p_decisions, '')) > 5000 then
    raise exception using message = 'minutes.too_long', errcode = 'P0001';
  elsif now() < v_s.checkin_opens_at then
    raise exception using message = 'minutes.too_early', errcode = 'P0001';
  end if;
  update app.sessions set minutes_topic = btrim(coalesce(p_topic, '')), minutes_speakers = btrim(coalesce(p_speakers, '')),
         minutes_decisions = btrim(coalesce(p_decisions, '')), minutes_updated_at = now()
   where id = v_s.id;
  return public.session_detail(p_session_id) -> 'minutes';
end
$$;
revoke execute on function public.session_save_minutes(uuid, text, text, text) from public, anon;
grant execute on function public.session_save_minutes(uuid, text, text, text) to authenticated;

-- Make-up study (补学): past sessions I was expected at and missed (absent or on leave).
create function public.my_makeups() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return coalesce((
    select jsonb_agg(jsonb_build_object('session_id', s.id, 'title', s.title, 'kind', s.kind,
        'starts_at', s.starts_at, 'status', app.status_of(s, c.status, l.status),
        'completed_at', mk.completed_at) order by s.starts_at desc)
      from app.sessions s
      left join app.checkins c on c.session_id = s.id and c.user_id = v_uid
      left join app.leave_requests l on l.session_id = s.id and l.user_id = v_uid
      left join app.makeups mk on mk.session_id = s.id and mk.user_id = v_uid
     where s.id in (select app.member_session_ids(v_uid))
       and s.cancelled_at is null and s.checkin_closes_at < now()
       and s.starts_at > now() - interval '1 year'
       and app.status_of(s, c.status, l.status) in ('absent', 'excused')
       and app.is_expected(s.id, v_uid)), '[]'::jsonb);
end
$$;
revoke execute on function public.my_makeups() from public, anon;
grant execute on function public.my_makeups() to authenticated;

create function public.makeup_complete(p_session_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_s app.sessions := app.session_or_404(p_session_id);
  v_at timestamptz;
begin
  if not app.is_expected(v_s.id, v_uid) or v_s.cancelled_at is not null or v_s.checkin_closes_at >= now()
     or app.status_of(v_s, (select c.status from app.checkins c where c.session_id = v_s.id and c.user_id = v_uid),
                           (select l.status from app.leave_requests l where l.session_id = v_s.id and l.user_id = v_uid))
        not in ('absent', 'excused') then
    raise exception using message = 'makeup.not_due', errcode = 'P0001';
  end if;
  insert into app.makeups (session_id, user_id) values (v_s.id, v_uid) on conflict do nothing;
  select m.completed_at into v_at from app.makeups m where m.session_id = v_s.id and m.user_id = v_uid;
  return jsonb_build_object('session_id', v_s.id, 'completed_at', v_at);
end
$$;
revoke execute on function public.makeup_complete(uuid) from public, anon;
grant execute on function public.makeup_complete(uuid) to authenticated;

create function public.attendance_summary(p_org_id uuid, p_from date, p_to date, p_after jsonb default null,
  p_limit int default 100) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.attendance_summary(p_org_id, p_from, p_to, p_after, p_limit)
$$;
revoke execute on function public.attendance_summary(uuid, date, date, jsonb, int) from public, anon;
grant execute on function public.attendance_summary(uuid, date, date, jsonb, int) to authenticated;

-- Open organisations I manage, parents first: the pickers of the session, topic and research forms.
create function public.session_orgs_i_manage() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind,
      'parent_id', o.parent_id) order by o.path), '[]'::jsonb)
    from app.managed_orgs() o
$$;
revoke execute on function public.session_orgs_i_manage() from public, anon;
grant execute on function public.session_orgs_i_manage() to authenticated;

-- functions: rules --------------------------------------------------------------------------

-- The limit of code attempts per member and session. At any moment the server accepts 3 codes
-- (the step of the time checked, the one before and the one after) out of 10^6; an offline claim
-- chooses its time but still meets 3 codes per try, and a code shown earlier is refused like any
-- wrong code (no oracle). So a member outside the hall who guesses succeeds with probability at
-- most 10 tries × 3 / 1,000,000 = 3 × 10^-5 = 1 in 33,333 per session — below 1 in 10,000.
-- Ten still leaves a member who mistypes several times room to succeed.
create function app.checkin_max_attempts() returns int
language plpgsql immutable set search_path = '' as $$ begin return 10; end $$;
revoke execute on function app.checkin_max_attempts() from public;
grant execute on function app.checkin_max_attempts() to service_role;

-- An offline check-in is sent when the phone is back online: accepted up to this long after the
-- moment it claims, and never once the session has ended (its record is then closed).
create function app.offline_claim_window() returns interval
language plpgsql immutable set search_path = '' as $$ begin return interval '60 minutes'; end $$;
revoke execute on function app.offline_claim_window() from public;
grant execute on function app.offline_claim_window() to service_role;

-- present up to late_after_minutes after the start, late after that (plpgsql, as the other
-- helpers a check-in calls, below)
create function app.arrival_status(p_session app.sessions, p_at timestamptz) returns text
language plpgsql immutable set search_path = '' as $$
begin
  return case when p_at > p_session.starts_at + make_interval(mins => p_session.late_after_minutes)
              then 'late' else 'present' end;
end
$$;
revoke execute on function app.arrival_status(app.sessions, timestamp with time zone) from public;
grant execute on function app.arrival_status(app.sessions, timestamp with time zone) to service_role;

-- A refusal that keeps what the caller wrote: PostgREST's error body, the HTTP status set
-- through response.status (the transaction commits because nothing raised).
create function app.refusal(p_key text, p_status int, p_code text) returns jsonb
language plpgsql volatile set search_path = '' as $$
begin
  perform set_config('response.status', p_status::text, true);
  return jsonb_build_object('code', p_code, 'details', null, 'hint', null, 'message', p_key);
end
$$;
revoke execute on function app.refusal(text, integer, text) from public;
grant execute on function app.refusal(text, integer, text) to service_role;

-- functions: the counts ---------------------------------------------------------------------

-- everyone expected: the members of the expected organisations and everything below, and invitees
create function app.expected_count(p_session uuid) returns int
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select count(*)::int from (
    select sm.user_id from app.session_members sm where sm.session_id = p_session
    union
    select i.user_id from app.session_invitees i where i.session_id = p_session) x);
end
$$;
revoke execute on function app.expected_count(uuid) from public;
grant execute on function app.expected_count(uuid) to service_role;

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
revoke execute on function app.session_recount(uuid) from public;
grant execute on function app.session_recount(uuid) to service_role;

-- recount the expected list of some sessions (roster, tree or expected-list changes)
create function app.tally_expected(p_sessions uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  update app.session_tallies t set expected = x.n
    from (select s.id, app.expected_count(s.id) as n from unnest(p_sessions) as s(id)) x
   where t.session_id = x.id and t.expected <> x.n;
end
$$;
revoke execute on function app.tally_expected(uuid[]) from public;

-- The sessions expected of any of these organisations, taken as given (a path, before or after a
-- move): what a change to the tree touches. The tally and the attendance facts both ask it.
create function app.sessions_of_orgs(p_orgs uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct so.session_id), '{}') from app.session_orgs so where so.org_id = any (p_orgs)
$$;
revoke execute on function app.sessions_of_orgs(uuid[]) from public;

-- The sessions a membership in one of these organisations counts at: those expected of it or of
-- an organisation above it.
create function app.sessions_expecting(p_orgs uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select app.sessions_of_orgs(array(select a.id from app.organisations o cross join unnest(o.path) a(id) where o.id = any (p_orgs)))
$$;
revoke execute on function app.sessions_expecting(uuid[]) from public;

-- The sessions p_user may be expected at: those expected of an organisation on the path of any
-- membership of theirs (ended ones too: who belonged at a session's start counts) and those they
-- are invited to. A superset that app.is_expected narrows, so that a reader of one member's
-- sessions walks their own organisations' sessions rather than every session of the province.
create function app.member_session_ids(p_user uuid) returns setof uuid
language sql stable security definer set search_path = '' as $$
  select unnest(app.sessions_expecting(array(select m.org_id from app.memberships m where m.user_id = p_user)))
  union
  select i.session_id from app.session_invitees i where i.user_id = p_user
$$;
revoke execute on function app.member_session_ids(uuid) from public;
grant execute on function app.member_session_ids(uuid) to authenticated, service_role;

-- grants ------------------------------------------------------------------------------------
grant select, insert, update on app.sessions to authenticated;
grant select, insert, delete on app.session_orgs to authenticated;
grant select, insert, delete on app.session_invitees to authenticated;
grant select, insert, delete on app.session_readings to authenticated;
grant select, insert, update on app.checkins to authenticated;
grant select, insert, update on app.leave_requests to authenticated;
grant select, insert on app.makeups to authenticated;
grant all on app.sessions, app.session_secrets, app.session_orgs, app.session_invitees, app.session_readings,
  app.checkins, app.leave_requests, app.makeups to service_role;

reset check_function_bodies;
