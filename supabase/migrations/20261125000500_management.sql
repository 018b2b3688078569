-- Management: the organisation tree (bureau admins), rosters and roles (secretaries), roster
-- import into pending members attached at sign-up, invites, the audit log, reports and study
-- hours (学时). Core owns organisations, memberships, invites and the audit log; this area adds
-- the API over them and the pending members of an imported roster.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- types -------------------------------------------------------------------------------------

-- tables ------------------------------------------------------------------------------------
create table app.roster_imports (
  id uuid primary key,
  org_id uuid not null references app.organisations (id),
  created_by uuid references app.profiles (user_id) on delete set null,
  row_count int not null check (row_count between 1 and 2000),
  created_at timestamptz not null default now(),
  -- The first answer of an import, so that a retry with the same client-made id gets it unchanged.
  result jsonb
);

comment on table app.roster_imports is 'One saved roster import; its client-made id makes a retried import a no-op.';

create table app.pending_members (
  id uuid primary key default gen_random_uuid(),
  import_id uuid references app.roster_imports (id) on delete set null,
  org_id uuid not null references app.organisations (id),
  -- as auth.users stores it: digits only, mainland numbers with the 86 prefix
  phone text not null check (phone ~ '^[0-9]{6,15}$'),
  display_name text not null check (char_length(btrim(display_name)) between 1 and 40),
  role text not null default 'member' check (role in ('member', 'committee', 'secretary')),
  invited_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  attached_user_id uuid references app.profiles (user_id) on delete set null,
  attached_at timestamptz,
  constraint pending_members_attached_together check ((attached_at is null) or (attached_user_id is not null)),
  is_cadre boolean not null default false
);

comment on table app.pending_members is 'Roster rows imported by a secretary, waiting for the person to sign up with that phone number.';

-- A roster import saves its good rows and lists the
-- bad ones by the row number Excel shows; nothing in its answer tells which phones already have
-- an account; and a person who already has an account is asked, and must accept, before a
-- roster row makes them a member (they may belong to another school).

comment on column app.roster_imports.result is 'The answer of the import (saved count, bad rows with reasons), returned again to a retry.';

-- One rule for roster rows and verified phones, where the verified-phone rule and the
-- invitations meet: a roster row attaches by itself only to a verified
-- phone whose account belongs to no organisation yet (a new member signing up, or confirming the
-- number they signed up with). Anyone who already belongs somewhere — a teacher of another school
-- who adds or changes their phone — is asked instead: the row stays waiting and shows on their
-- 我的 as an invitation (app.roster_requests_for_me), and only their answer makes them a member.

-- The roster paged (#15): a county's roster is thousands of members, so it comes a page at a
-- time, in the order it always had (organisation, highest role first, name), keyset-paged by the
-- last membership of the previous page. The per-organisation counts of the whole roster come with
-- the first page, so that the group headings stay right while only some members are loaded.

-- The roster paged at the same cost at county and province size (#15).
--
-- Sorting the whole subtree's memberships for every page (a window function and tuple filter over
-- a join of three tables, which no index can serve) ran past the 8 s statement timeout at 50,000
-- members. The order is organisation (path), highest role first, name, membership id; a page walks the subtree's organisations in path order
-- on a btree index (a subtree is one contiguous range of it) and takes each organisation's members
-- already sorted (a branch's few dozen), stopping as soon as the page is full: a page reads what
-- it shows and the organisations it passes. The per-organisation counts of the first page come
-- from app.org_member_counts, kept by the writes, not from a count of every membership of the
-- subtree.

create table app.org_member_counts (
  org_id uuid primary key references app.organisations (id) on delete cascade,
  members int not null
);

comment on table app.org_member_counts is
  'Active memberships per organisation (no row: none). A summary kept by a trigger on memberships; '
  'app.org_member_counts_rebuild() recomputes it.';

-- The report's reading and discussion parts, from summaries (#15).
--
-- Each member's share of the report is kept as a few facts, and the facts are kept summed per
-- organisation above the member, so the report reads the rows of its organisations in the period,
-- whatever the number of members:
--
--   app.report_user_facts   per member: what they bring to a report row (the rule, in
--                           app.report_facts_of: one place)
--   app.report_user_reach   the organisations a member's facts are summed into (org_reach's
--                           on_path rows: their organisations and everything above them)
--   app.report_org_facts    per organisation: the facts of the members at or below it, summed,
--                           with the number of members behind each
--
-- Facts (kind, key, day, prev_day, n); days are Asia/Shanghai days, '-infinity' means "none":
--   member   —      —           one per member (users = the row's members)
--   minutes  —      read day    est. minutes of the sections the member read that day (their own
--                               学时; kept per member, summed into no organisation)
--   sections —      read day    the number of those sections (the same)
--   org_minutes  org  read day  est. minutes of the sections read that day while the member belonged
--                               to org or below it (memberships' during @> read_at, the tree as it
--                               is now): summed into org itself, not the member's organisations.
--                               An organisation's reading 学时, for the report and org_study_hours.
--   org_sections org  read day  the number of those sections (the same)
--   posts    —      post day    posts that day; prev_day = the member's previous post day, so the
--                               members who posted in [a, b] are the rows of days in [a, b] whose
--                               prev_day is before a (a distinct count from summed rows)
--   topic    topic  post day    the same per topic
--   done     plan   -infinity   sections of the plan read in all (every member the plan reaches)
--   done     plan   read day    sections of the plan read that day (done up to p_to = total minus
--                               the days after p_to)
--   complete plan   -infinity   one if every section of the plan is read
--   complete plan   day         the same, on the day the last one was read
--
-- Kept by statement triggers on the ticks, posts, sections, plans' readings and organisations,
-- on app.org_reach (memberships begun, moved or ended, organisations moved), and on the
-- memberships' periods and the organisations' paths that reach misses (a period edited, the
-- organisation of an ended membership moved): every path goes
-- through app.report_refresh(members), which takes the members' old facts out of the sums and puts
-- the new ones in. supabase/tests/report-summaries.test.ts compares the report with the direct
-- computation on the seeds and after random writes. A bulk load with triggers off is followed by
-- select app.report_rebuild().

create table app.report_user_facts (
  user_id uuid not null,
  kind text not null,
  key uuid not null,
  day date not null,
  prev_day date not null,
  n int not null,
  primary key (user_id, kind, key, day, prev_day)
);
comment on table app.report_user_facts is
  'Per member: their part of the report (see 202612012501 for the kinds), computed by '
  'app.report_facts_of. A summary kept by triggers.';

create table app.report_user_reach (
  user_id uuid primary key,
  orgs uuid[] not null
);
comment on table app.report_user_reach is
  'The organisations a member''s report facts were summed into (their organisations and everything above them).';

create table app.report_org_facts (
  org_id uuid not null,
  kind text not null,
  key uuid not null,
  day date not null,
  prev_day date not null,
  n bigint not null,
  users int not null,
  primary key (org_id, kind, key, day, prev_day)
);
comment on table app.report_org_facts is
  'Per organisation: the report facts of the members at or below it, summed (n), and how many members '
  'brought each (users). Rows may stay at zero. A summary kept by triggers.';

-- indexes -----------------------------------------------------------------------------------
create index roster_imports_org_id_idx on app.roster_imports (org_id);
create index roster_imports_created_by_idx on app.roster_imports (created_by);
create unique index pending_members_waiting_idx on app.pending_members (org_id, phone) where attached_at is null;
create index pending_members_phone_idx on app.pending_members (phone) where attached_at is null;
create index pending_members_import_id_idx on app.pending_members (import_id);
create index pending_members_invited_by_idx on app.pending_members (invited_by);
create index pending_members_attached_user_id_idx on app.pending_members (attached_user_id);
create index audit_log_at_id_idx on app.audit_log (id desc);
create index audit_log_action_idx on app.audit_log (action, id desc);

-- a roster page takes one organisation's active members at a time
create index memberships_active_org_idx on app.memberships (org_id, role) where ended_at is null;

-- triggers ----------------------------------------------------------------------------------

-- A new account takes the places its phone number was given on imported rosters. Named to
-- fire after core's on_auth_user_created (alphabetical order), which makes the profile first.
create function app.attach_pending_on_signup() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if coalesce(new.phone, '') = '' or new.phone_confirmed_at is null then
    return new;
  end if;
  perform app.attach_pending_phone(new.phone, new.id);
  return new;
end
$$;
revoke execute on function app.attach_pending_on_signup() from public;

-- The one place the rule lives: every path that attaches (sign-up, verify, an import that finds
-- an existing account) comes through here.
create function app.attach_pending_phone(p_phone text, p_user uuid) returns int
language plpgsql security definer set search_path = '' as $$
declare
  v_n int := 0;
  r record;
begin
  if coalesce(p_phone, '') = ''
     or not exists (select 1 from auth.users u
                     where u.id = p_user and u.phone = p_phone and u.phone_confirmed_at is not null)
     or not exists (select 1 from app.profiles p where p.user_id = p_user)
     or exists (select 1 from app.memberships m where m.user_id = p_user and m.ended_at is null) then
    return 0;
  end if;
  for r in
    select pm.* from app.pending_members pm
      join app.organisations o on o.id = pm.org_id
     where pm.phone = p_phone and pm.attached_at is null and o.retired_at is null
     order by pm.created_at
     for update of pm
  loop
    insert into app.memberships (org_id, user_id, role, created_by)
    select r.org_id, p_user, r.role, r.invited_by
     where not exists (select 1 from app.memberships m
                        where m.org_id = r.org_id and m.user_id = p_user and m.ended_at is null);
    update app.pending_members set attached_user_id = p_user, attached_at = now() where id = r.id;
    v_n := v_n + 1;
  end loop;
  return v_n;
end
$$;
revoke execute on function app.attach_pending_phone(text, uuid) from public;

create trigger on_auth_user_created_pending_members after insert on auth.users
  for each row execute function app.attach_pending_on_signup();

-- A roster row, and the role it carries, goes only to an account whose phone is verified.
-- GoTrue inserts the user before any SMS code is checked, so a row attached on insert would let
-- whoever claimed a secretary's number first become secretary. The row attaches when
-- phone_confirmed_at is set: on insert (admin-made users
-- with phone_confirm, autoconfirm), or later when /verify confirms the sign-up (type sms) or a
-- phone change (type phone_change, which also moves auth.users.phone).

-- A phone that becomes verified (first confirmation, or a confirmed change to a new number):
-- attach its waiting rows, and make it the contact phone secretaries see.
create function app.attach_pending_on_phone_confirmed() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if coalesce(new.phone, '') = '' or new.phone_confirmed_at is null then
    return new;
  end if;
  if old.phone_confirmed_at is not null and old.phone is not distinct from new.phone then
    return new;
  end if;
  update app.profile_contacts set phone = new.phone where user_id = new.id and phone is distinct from new.phone;
  perform app.attach_pending_phone(new.phone, new.id);
  return new;
end
$$;
revoke execute on function app.attach_pending_on_phone_confirmed() from public;

create trigger on_auth_user_phone_confirmed_pending_members after update of phone, phone_confirmed_at on auth.users
  for each row execute function app.attach_pending_on_phone_confirmed();

create function app.memberships_member_counts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select n.org_id, count(*) as n from new_rows n where n.ended_at is null group by 1) x));
  elsif tg_op = 'DELETE' then
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select o.org_id, -count(*) as n from old_rows o where o.ended_at is null group by 1) x));
  else
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select y.org_id, sum(y.n) as n from (
          select o.org_id, -1 as n from old_rows o where o.ended_at is null
          union all
          select n.org_id, 1 from new_rows n where n.ended_at is null) y
         group by 1) x));
  end if;
  return null;
end
$$;
revoke execute on function app.memberships_member_counts() from public;

create trigger memberships_member_counts_ins after insert on app.memberships
  referencing new table as new_rows for each statement execute function app.memberships_member_counts();

create trigger memberships_member_counts_del after delete on app.memberships
  referencing old table as old_rows for each statement execute function app.memberships_member_counts();

create trigger memberships_member_counts_upd after update on app.memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app.memberships_member_counts();

-- ticks added, removed or changed: the readers
create function app.section_ticks_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.user_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.report_refresh(array(select distinct o.user_id from old_rows o));
  else
    perform app.report_refresh(array(select o.user_id from old_rows o union select n.user_id from new_rows n));
  end if;
  return null;
end
$$;
revoke execute on function app.section_ticks_report() from public, anon, authenticated;
create trigger section_ticks_report_ins after insert on app.section_ticks
  referencing new table as new_rows for each statement execute function app.section_ticks_report();
create trigger section_ticks_report_del after delete on app.section_ticks
  referencing old table as old_rows for each statement execute function app.section_ticks_report();
create trigger section_ticks_report_upd after update on app.section_ticks
  referencing old table as old_rows new table as new_rows for each statement execute function app.section_ticks_report();

-- posts written, deleted or moved: their authors (an edit of the text changes nothing counted)
create function app.posts_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.author_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.report_refresh(array(select distinct o.author_id from old_rows o));
  else
    perform app.report_refresh(array(
      select x.author_id from old_rows o join new_rows n on n.id = o.id
       cross join lateral (values (o.author_id), (n.author_id)) x(author_id)
       where (o.author_id, o.topic_id, o.created_at, o.deleted_at is null)
             is distinct from (n.author_id, n.topic_id, n.created_at, n.deleted_at is null)
       group by x.author_id));
  end if;
  return null;
end
$$;
revoke execute on function app.posts_report() from public, anon, authenticated;
create trigger posts_report_ins after insert on app.posts
  referencing new table as new_rows for each statement execute function app.posts_report();
create trigger posts_report_del after delete on app.posts
  referencing old table as old_rows for each statement execute function app.posts_report();
create trigger posts_report_upd after update on app.posts
  referencing old table as old_rows new table as new_rows for each statement execute function app.posts_report();

-- what each member reaches changed (memberships, organisations moved): those members
create function app.org_reach_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.report_refresh(array(select distinct n.user_id from new_rows n));
  else
    perform app.report_refresh(array(select distinct o.user_id from old_rows o));
  end if;
  return null;
end
$$;
revoke execute on function app.org_reach_report() from public, anon, authenticated;
create trigger org_reach_report_ins after insert on app.org_reach
  referencing new table as new_rows for each statement execute function app.org_reach_report();
create trigger org_reach_report_del after delete on app.org_reach
  referencing old table as old_rows for each statement execute function app.org_reach_report();

-- what app.org_reach does not see but reading while belonging depends on: a membership's period
-- changed while it stays active or ended (org_reach refreshes the rest), and the organisation of
-- an ended membership moved in the tree
create function app.memberships_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.report_refresh(array(
    select n.user_id from old_rows o join new_rows n on n.id = o.id
     where (o.joined_at, o.ended_at) is distinct from (n.joined_at, n.ended_at)
       and (o.user_id, o.org_id, o.role, o.ended_at is null) is not distinct from (n.user_id, n.org_id, n.role, n.ended_at is null)
     group by n.user_id));
  return null;
end
$$;
revoke execute on function app.memberships_report() from public, anon, authenticated;
create trigger memberships_report_upd after update on app.memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app.memberships_report();

create function app.organisations_report() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.report_refresh(array(
    select distinct m.user_id from old_rows o join new_rows n on n.id = o.id
      join app.memberships m on m.org_id = n.id and m.ended_at is not null
     where o.path is distinct from n.path));
  return null;
end
$$;
revoke execute on function app.organisations_report() from public, anon, authenticated;
create trigger organisations_report_upd after update on app.organisations
  referencing old table as old_rows new table as new_rows for each statement execute function app.organisations_report();

-- The members whose plan facts depend on these plans: everyone the plans reach.
create function app.report_plan_users(p_plans uuid[], p_orgs uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select coalesce(array_agg(distinct r.user_id), '{}')
    from app.org_reach r
   where r.on_path
     and (r.org_id = any (p_orgs)
          or r.org_id in (select po.org_id from app.plan_orgs po where po.plan_id = any (p_plans)))
$$;
revoke execute on function app.report_plan_users(uuid[], uuid[]) from public, anon, authenticated;

-- a plan's readings or organisations changed: everyone it reaches (or reached)
create function app.plan_parts_report() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_rows jsonb := to_jsonb(array(select to_jsonb(c) from changed c));
begin
  perform app.report_refresh(app.report_plan_users(
    array(select (x ->> 'plan_id')::uuid from jsonb_array_elements(v_rows) x),
    array(select (x ->> 'org_id')::uuid from jsonb_array_elements(v_rows) x where x ? 'org_id')));
  return null;
end
$$;
revoke execute on function app.plan_parts_report() from public, anon, authenticated;
create trigger plan_readings_report_ins after insert on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_readings_report_del after delete on app.plan_readings
  referencing old table as changed for each statement execute function app.plan_parts_report();
create trigger plan_readings_report_upd after update on app.plan_readings
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_orgs_report_ins after insert on app.plan_orgs
  referencing new table as changed for each statement execute function app.plan_parts_report();
create trigger plan_orgs_report_del after delete on app.plan_orgs
  referencing old table as changed for each statement execute function app.plan_parts_report();

-- The members whose facts depend on these sections: their readers, and everyone the plans holding
-- their readings reach (a plan's section count decides who finished it).
create function app.report_section_users(p_sections uuid[], p_readings uuid[]) returns uuid[]
language sql stable security definer set search_path = '' as $$
  select array(
    select t.user_id from app.section_ticks t where t.section_id = any (p_sections)
    union
    select unnest(app.report_plan_users(app.plans_of_readings(p_readings), '{}')))
$$;
revoke execute on function app.report_section_users(uuid[], uuid[]) from public, anon, authenticated;

-- sections added or removed: those members
create function app.reading_sections_report() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_rows jsonb := to_jsonb(array(select to_jsonb(c) from changed c));
begin
  perform app.report_refresh(app.report_section_users(
    array(select (x ->> 'id')::uuid from jsonb_array_elements(v_rows) x),
    array(select distinct (x ->> 'reading_id')::uuid from jsonb_array_elements(v_rows) x)));
  return null;
end
$$;
revoke execute on function app.reading_sections_report() from public, anon, authenticated;
create trigger reading_sections_report_ins after insert on app.reading_sections
  referencing new table as changed for each statement execute function app.reading_sections_report();
create trigger reading_sections_report_del after delete on app.reading_sections
  referencing old table as changed for each statement execute function app.reading_sections_report();

-- sections changed in what the report counts (minutes, reading; a text edit changes nothing)
create function app.reading_sections_report_update() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform app.report_refresh(app.report_section_users(
    array(select o.id from old_sections o join new_sections n on n.id = o.id
           where (o.reading_id, o.est_minutes) is distinct from (n.reading_id, n.est_minutes)),
    array(select x.reading_id from old_sections o join new_sections n on n.id = o.id
           cross join lateral (values (o.reading_id), (n.reading_id)) x(reading_id)
           where o.reading_id <> n.reading_id)));
  return null;
end
$$;
revoke execute on function app.reading_sections_report_update() from public, anon, authenticated;
create trigger reading_sections_report_upd after update on app.reading_sections
  referencing old table as old_sections new table as new_sections for each statement
  execute function app.reading_sections_report_update();

-- RLS ---------------------------------------------------------------------------------------
alter table app.roster_imports enable row level security;
alter table app.pending_members enable row level security;

create policy roster_imports_select on app.roster_imports for select to authenticated
  using (org_id in (select app.managed_org_ids()));

create policy roster_imports_insert on app.roster_imports for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and created_by = (select auth.uid()));

create policy pending_members_insert on app.pending_members for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id)
              and invited_by = (select auth.uid()) and attached_at is null);

create policy pending_members_update on app.pending_members for update to authenticated
  using (org_id in (select app.managed_org_ids()) and attached_at is null)
  with check (org_id in (select app.managed_org_ids()) and app.rank_of(role) <= app.org_rank(org_id));

create policy pending_members_delete on app.pending_members for delete to authenticated
  using (org_id in (select app.managed_org_ids()) and attached_at is null);

-- A waiting row is also a request to the verified owner of its phone, if there is one: they
-- accept (the row attaches) or decline (the row is deleted and the audit log keeps the answer).

-- The phone I have proved with an SMS code, as auth.users stores it; null if none. Crosses RLS
-- to read auth.users, only for the caller's own row.
create function app.my_verified_phone() returns text
language sql stable security definer set search_path = '' as $$
  select u.phone from auth.users u
   where u.id = auth.uid() and coalesce(u.phone, '') <> '' and u.phone_confirmed_at is not null
$$;
revoke execute on function app.my_verified_phone() from public;
grant execute on function app.my_verified_phone() to authenticated;

create policy pending_members_select on app.pending_members for select to authenticated
  using (org_id in (select app.managed_org_ids())
         or (attached_at is null and phone = (select app.my_verified_phone())));

alter table app.org_member_counts enable row level security;

-- the roster (security invoker) reads the counts of what its caller manages
create policy org_member_counts_select on app.org_member_counts for select to authenticated
  using (org_id in (select app.managed_org_ids()));

alter table app.report_user_facts enable row level security;
alter table app.report_user_reach enable row level security;
alter table app.report_org_facts enable row level security;
-- read only inside app.report_data, which checks that the caller manages the root
create policy report_user_facts_select on app.report_user_facts for select to authenticated using (false);
create policy report_user_reach_select on app.report_user_reach for select to authenticated using (false);
create policy report_org_facts_select on app.report_org_facts for select to authenticated using (false);

-- functions: helpers ------------------------------------------------------------------------

-- Which kinds of organisation may sit directly under which.
create function app.org_kind_allowed(p_parent_kind text, p_kind text) returns boolean
language sql immutable set search_path = '' as $$
  select case p_parent_kind
    when 'bureau' then p_kind in ('committee', 'general_branch', 'branch')
    when 'committee' then p_kind in ('general_branch', 'branch')
    when 'general_branch' then p_kind = 'branch'
    when 'branch' then p_kind = 'group'
    else false
  end
$$;
revoke execute on function app.org_kind_allowed(text, text) from public;
grant execute on function app.org_kind_allowed(text, text) to authenticated;

-- One phone rule. app.normalise_phone is the definition of a phone a member may give:
-- a mainland mobile 1[3-9] and nine digits, written with or without +86 / 86, with spaces,
-- dashes and brackets anywhere; stored as GoTrue stores phones, digits with the 86. The app's
-- phoneOf (src/api/auth.ts) is its copy for instant feedback and sign-in, and
-- supabase/tests/phone-rule.test.ts runs both over one list of inputs and fails on any
-- difference.
--
-- The separators are listed instead of '\s': what '\s' matches beyond ASCII depends on the
-- database's locale (PGlite's C locale: ASCII only; a server initialised with a libc UTF-8
-- locale: also U+3000), so the same input would be a phone on one engine and not on another. The
-- ideographic space U+3000 is what a Chinese keyboard types in full-width mode; it is a
-- separator here and in the app. Full-width digits are refused on both sides.
--
-- '+86 138-0000-0004', '13800000004', '8613800000004' → '8613800000004'; null when not a phone.
create function app.normalise_phone(p_phone text) returns text
language sql immutable set search_path = '' as $$
  select case
    when v ~ '^1[3-9][0-9]{9}$' then '86' || v
    when v ~ '^861[3-9][0-9]{9}$' then v
    else null
  end
  from (select regexp_replace(coalesce(p_phone, ''), '[ \t\n\r\f\v\u00a0\u3000+()-]', '', 'g') as v) x
$$;
revoke execute on function app.normalise_phone(text) from public;
grant execute on function app.normalise_phone(text) to authenticated;

-- Role words accepted in a roster file: the API's keys and the Chinese a secretary types.
create function app.parse_role(p_role text) returns text
language sql immutable set search_path = '' as $$
  select case lower(btrim(coalesce(p_role, '')))
    when '' then 'member' when 'member' then 'member' when '党员' then 'member' when '成员' then 'member'
    when 'committee' then 'committee' when '委员' then 'committee' when '支委' then 'committee'
    when 'secretary' then 'secretary' when '书记' then 'secretary'
    else null
  end
$$;
revoke execute on function app.parse_role(text) from public;
grant execute on function app.parse_role(text) to authenticated;

create function app.require_admin() returns uuid
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if not app.is_bureau_admin() then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  return v_uid;
end
$$;
revoke execute on function app.require_admin() from public;
grant execute on function app.require_admin() to authenticated;

-- The caller must manage p_org: unknown or invisible → not found, visible but not managed → forbidden.
create function app.require_manage(p_org uuid) returns uuid
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  if p_org is null or not exists (select 1 from app.organisations o where o.id = p_org) then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if not app.can_manage(p_org) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  return v_uid;
end
$$;
revoke execute on function app.require_manage(uuid) from public;
grant execute on function app.require_manage(uuid) to authenticated;

create function app.org_json(p_org app.organisations) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p_org.id, 'parent_id', p_org.parent_id, 'kind', p_org.kind,
    'name', p_org.name, 'depth', cardinality(p_org.path) - 1, 'sort_order', p_org.sort_order,
    'retired_at', p_org.retired_at)
$$;
revoke execute on function app.org_json(app.organisations) from public;
grant execute on function app.org_json(app.organisations) to authenticated;

-- Checks roster rows: name, phone (app.normalise_phone), organisation, role, and the cadre flag.
create function app.roster_check_rows(p_org uuid, p_rows jsonb) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_result jsonb := '[]';
  v_row jsonb;
  v_i int := 0;
  v_line int;
  v_errors text[];
  v_name text;
  v_phone text;
  v_role text;
  v_org_name text;
  v_org uuid;
  v_orgs int;
  v_seen text[] := '{}';
  v_cadre boolean;
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
    raise exception using message = 'admin.rows_invalid', errcode = 'P0001';
  end if;
  if jsonb_array_length(p_rows) = 0 then
    raise exception using message = 'admin.rows_empty', errcode = 'P0001';
  end if;
  if jsonb_array_length(p_rows) > 2000 then
    raise exception using message = 'admin.rows_too_many', errcode = 'P0001';
  end if;
  for v_row in select value from jsonb_array_elements(p_rows) loop
    v_i := v_i + 1;
    v_errors := '{}';
    v_org := null;
    v_line := v_i + 1;
    if jsonb_typeof(v_row) = 'object' and jsonb_typeof(v_row -> 'line') = 'number'
       and (v_row ->> 'line') ~ '^[0-9]{1,7}$' and (v_row ->> 'line')::int >= 1 then
      v_line := (v_row ->> 'line')::int;
    end if;
    if jsonb_typeof(v_row) <> 'object' then
      v_result := v_result || jsonb_build_object('index', v_i - 1, 'row', v_line, 'errors', jsonb_build_array('row_invalid'));
      continue;
    end if;
    v_name := btrim(coalesce(v_row ->> 'name', ''));
    v_phone := app.normalise_phone(v_row ->> 'phone');
    v_role := app.parse_role(v_row ->> 'role');
    v_org_name := btrim(coalesce(v_row ->> 'org', ''));
    if v_name = '' then
      v_errors := array_append(v_errors, 'name_required');
    elsif char_length(v_name) > 40 then
      v_errors := array_append(v_errors, 'name_too_long');
    end if;
    if btrim(coalesce(v_row ->> 'phone', '')) = '' then
      v_errors := array_append(v_errors, 'phone_required');
    elsif v_phone is null then
      v_errors := array_append(v_errors, 'phone_invalid');
    elsif v_phone = any (v_seen) then
      v_errors := array_append(v_errors, 'phone_duplicate');
    else
      v_seen := array_append(v_seen, v_phone);
    end if;
    if v_org_name = '' then
      v_org := p_org;
    else
      select count(*), min(o.id::text)::uuid into v_orgs, v_org
        from app.organisations o
       where o.path @> array[p_org] and o.retired_at is null and o.name = v_org_name;
      if v_orgs = 0 then
        v_errors := array_append(v_errors, 'org_not_found');
      elsif v_orgs > 1 then
        v_errors := array_append(v_errors, 'org_ambiguous');
        v_org := null;
      end if;
    end if;
    if v_role is null then
      v_errors := array_append(v_errors, 'role_invalid');
    elsif v_org is not null and app.rank_of(v_role) > app.org_rank(v_org) then
      v_errors := array_append(v_errors, 'role_above_own');
    end if;
    -- Only members of an organisation the caller manages (and so already sees with phones):
    -- this tells nothing about accounts elsewhere.
    if v_phone is not null and v_org is not null and exists (
      select 1 from app.memberships m join app.profile_contacts c on c.user_id = m.user_id
       where m.org_id = v_org and m.ended_at is null and c.phone = v_phone
    ) then
      v_errors := array_append(v_errors, 'already_member');
    end if;
    -- the 副校级以上干部 column (research, #18): a value parse_cadre does not know is a mistake
    v_cadre := app.parse_cadre(v_row ->> 'cadre');
    if v_cadre is null then
      v_errors := array_append(v_errors, 'cadre_invalid');
    end if;
    v_result := v_result || jsonb_build_object('index', v_i - 1, 'row', v_line, 'name', v_name, 'phone', v_phone,
      'org_id', v_org, 'role', v_role, 'errors', to_jsonb(v_errors), 'is_cadre', v_cadre);
  end loop;
  return v_result;
end
$$;
revoke execute on function app.roster_check_rows(uuid, jsonb) from public;
grant execute on function app.roster_check_rows(uuid, jsonb) to authenticated, service_role;

-- Organisations I manage (all of them for a bureau admin), flat, parents before children.
create function public.org_tree(p_include_retired boolean default false) returns jsonb
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

create function app.check_org_name(p_name text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  v_name text := btrim(coalesce(p_name, ''));
begin
  if v_name = '' then
    raise exception using message = 'admin.name_required', errcode = 'P0001';
  elsif char_length(v_name) > 60 then
    raise exception using message = 'admin.name_too_long', errcode = 'P0001';
  end if;
  return v_name;
end
$$;
revoke execute on function app.check_org_name(text) from public;
grant execute on function app.check_org_name(text) to authenticated;

create function public.org_create(p_id uuid, p_parent_id uuid, p_kind text, p_name text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_name text;
  v_parent app.organisations;
  v_org app.organisations;
begin
  perform app.require_admin();
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_org from app.organisations o where o.id = p_id;
  if found then
    -- a retry of the same create returns the first result
    if v_org.parent_id is distinct from p_parent_id or v_org.kind <> p_kind then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return app.org_json(v_org);
  end if;
  v_name := app.check_org_name(p_name);
  if p_kind is null or p_kind not in ('committee', 'general_branch', 'branch', 'group') then
    raise exception using message = 'admin.kind_invalid', errcode = 'P0001';
  end if;
  select * into v_parent from app.organisations o where o.id = p_parent_id;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_parent.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if not app.org_kind_allowed(v_parent.kind, p_kind) then
    raise exception using message = 'admin.kind_not_allowed', errcode = 'P0001';
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = p_parent_id and o.name = v_name and o.retired_at is null) then
    raise exception using message = 'admin.name_taken', errcode = 'PT409';
  end if;
  insert into app.organisations (id, parent_id, kind, name, sort_order)
  values (p_id, p_parent_id, p_kind, v_name,
          (select coalesce(max(o.sort_order), 0) + 1 from app.organisations o where o.parent_id = p_parent_id));
  -- not `returning`: the select policy's helper reads the tree as it was before this statement
  select * into v_org from app.organisations o where o.id = p_id;
  perform app.audit(v_org.id, 'org.create', v_org.id, jsonb_build_object('name', v_name, 'kind', p_kind, 'parent_id', p_parent_id));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_create(uuid, uuid, text, text) from public, anon;
grant execute on function public.org_create(uuid, uuid, text, text) to authenticated;

-- the organisation to change: it must exist and be below the bureau committee (the root stays)
create function app.org_for_change(p_org uuid) returns app.organisations
language plpgsql stable set search_path = '' as $$
declare
  v_org app.organisations;
begin
  select * into v_org from app.organisations o where o.id = p_org;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_org.parent_id is null then
    raise exception using message = 'admin.org_is_root', errcode = 'P0001';
  end if;
  return v_org;
end
$$;
revoke execute on function app.org_for_change(uuid) from public;
grant execute on function app.org_for_change(uuid) to authenticated;

create function public.org_rename(p_org_id uuid, p_name text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
  v_name text;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  v_name := app.check_org_name(p_name);
  if v_org.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if v_name = v_org.name then
    return app.org_json(v_org);
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = v_org.parent_id and o.name = v_name
               and o.retired_at is null and o.id <> v_org.id) then
    raise exception using message = 'admin.name_taken', errcode = 'PT409';
  end if;
  update app.organisations set name = v_name where id = v_org.id returning * into v_org;
  perform app.audit(v_org.id, 'org.rename', v_org.id, jsonb_build_object('name', v_name));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_rename(uuid, text) from public, anon;
grant execute on function public.org_rename(uuid, text) to authenticated;

create function public.org_move(p_org_id uuid, p_parent_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
  v_parent app.organisations;
  v_from uuid;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  if v_org.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  select * into v_parent from app.organisations o where o.id = p_parent_id;
  if not found then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_parent.id = v_org.parent_id then
    return app.org_json(v_org);
  end if;
  if v_parent.path @> array[v_org.id] then
    raise exception using message = 'admin.org_cycle', errcode = 'P0001';
  end if;
  if v_parent.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if not app.org_kind_allowed(v_parent.kind, v_org.kind) then
    raise exception using message = 'admin.kind_not_allowed', errcode = 'P0001';
  end if;
  v_from := v_org.parent_id;
  update app.organisations set parent_id = v_parent.id where id = v_org.id returning * into v_org;
  perform app.audit(v_org.id, 'org.move', v_org.id, jsonb_build_object('from', v_from, 'to', v_parent.id));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_move(uuid, uuid) from public, anon;
grant execute on function public.org_move(uuid, uuid) to authenticated;

-- Retiring keeps the organisation, its memberships' history and everything done in it; it must
-- be emptied first (children retired or moved, members moved or removed), and its invites stop.
create function public.org_retire(p_org_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org app.organisations;
begin
  perform app.require_admin();
  v_org := app.org_for_change(p_org_id);
  if v_org.retired_at is not null then
    return app.org_json(v_org);
  end if;
  if exists (select 1 from app.organisations o where o.parent_id = v_org.id and o.retired_at is null) then
    raise exception using message = 'admin.org_has_children', errcode = 'PT409';
  end if;
  if exists (select 1 from app.memberships m where m.org_id = v_org.id and m.ended_at is null) then
    raise exception using message = 'admin.org_has_members', errcode = 'PT409';
  end if;
  update app.organisations set retired_at = now() where id = v_org.id returning * into v_org;
  update app.invites set revoked_at = now() where org_id = v_org.id and revoked_at is null;
  delete from app.pending_members where org_id = v_org.id and attached_at is null;
  perform app.audit(v_org.id, 'org.retire', v_org.id, jsonb_build_object('name', v_org.name));
  return app.org_json(v_org);
end
$$;
revoke execute on function public.org_retire(uuid) from public, anon;
grant execute on function public.org_retire(uuid) to authenticated;

-- functions ---------------------------------------------------------------------------------
create function public.roster(p_org_id uuid, p_after uuid default null, p_limit int default 200) returns jsonb
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
    left join app.profile_contacts c on c.user_id = m.user_id;

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

-- A membership the caller may change: active, in an organisation they manage, someone whose
-- role is not above theirs, not themselves.
create function app.membership_for_change(p_membership uuid) returns app.memberships
language plpgsql stable set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_m app.memberships;
begin
  select * into v_m from app.memberships m where m.id = p_membership and m.ended_at is null;
  if not found or v_m.org_id not in (select app.managed_org_ids()) then
    raise exception using message = 'admin.member_not_found', errcode = 'PT404';
  end if;
  if v_m.user_id = v_uid then
    raise exception using message = 'admin.self', errcode = 'P0001';
  end if;
  if app.rank_of(v_m.role) > app.org_rank(v_m.org_id) then
    raise exception using message = 'admin.role_above_own', errcode = '42501';
  end if;
  return v_m;
end
$$;
revoke execute on function app.membership_for_change(uuid) from public;
grant execute on function app.membership_for_change(uuid) to authenticated;

create function public.member_set_role(p_membership_id uuid, p_role text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_m app.memberships := app.membership_for_change(p_membership_id);
begin
  if p_role is null or p_role not in ('member', 'committee', 'secretary', 'admin') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if app.rank_of(p_role) > app.org_rank(v_m.org_id) then
    raise exception using message = 'admin.role_above_own', errcode = '42501';
  end if;
  if p_role = 'admin' and not exists (select 1 from app.organisations o where o.id = v_m.org_id and o.kind = 'bureau') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if p_role <> v_m.role then
    update app.memberships set role = p_role where id = v_m.id;
    perform app.audit(v_m.org_id, 'member.set_role', v_m.user_id,
      jsonb_build_object('membership_id', v_m.id, 'from', v_m.role, 'to', p_role));
  end if;
  return jsonb_build_object('membership_id', v_m.id, 'role', p_role);
end
$$;
revoke execute on function public.member_set_role(uuid, text) from public, anon;
grant execute on function public.member_set_role(uuid, text) to authenticated;

-- A move ends the old membership (history kept) and starts one in the new organisation.
create function public.member_move(p_membership_id uuid, p_to_org_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_m app.memberships := app.membership_for_change(p_membership_id);
  v_to app.organisations;
  v_new uuid;
begin
  select * into v_to from app.organisations o where o.id = p_to_org_id;
  if not found or v_to.id not in (select app.managed_org_ids()) then
    raise exception using message = 'admin.org_not_found', errcode = 'PT404';
  end if;
  if v_to.retired_at is not null then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  if v_to.id = v_m.org_id then
    raise exception using message = 'admin.same_org', errcode = 'P0001';
  end if;
  if v_m.role = 'admin' and v_to.kind <> 'bureau' then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from app.memberships m where m.org_id = v_to.id and m.user_id = v_m.user_id and m.ended_at is null) then
    raise exception using message = 'admin.already_member', errcode = 'PT409';
  end if;
  update app.memberships set ended_at = now() where id = v_m.id;
  insert into app.memberships (org_id, user_id, role, created_by)
  values (v_to.id, v_m.user_id, v_m.role, auth.uid()) returning id into v_new;
  perform app.audit(v_to.id, 'member.move', v_m.user_id,
    jsonb_build_object('from_org', v_m.org_id, 'to_org', v_to.id, 'membership_id', v_new));
  return jsonb_build_object('membership_id', v_new, 'org_id', v_to.id, 'org_name', v_to.name);
end
$$;
revoke execute on function public.member_move(uuid, uuid) from public, anon;
grant execute on function public.member_move(uuid, uuid) to authenticated;

create function public.member_remove(p_membership_id uuid, p_reason text default '') returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_reason text := btrim(coalesce(p_reason, ''));
  v_m app.memberships;
begin
  if char_length(v_reason) > 200 then
    raise exception using message = 'admin.reason_too_long', errcode = 'P0001';
  end if;
  v_m := app.membership_for_change(p_membership_id);
  update app.memberships set ended_at = now() where id = v_m.id;
  perform app.audit(v_m.org_id, 'member.remove', v_m.user_id,
    jsonb_build_object('membership_id', v_m.id, 'role', v_m.role, 'reason', v_reason));
  return jsonb_build_object('membership_id', v_m.id, 'ended', true);
end
$$;
revoke execute on function public.member_remove(uuid, text) from public, anon;
grant execute on function public.member_remove(uuid, text) to authenticated;

-- A waiting roster row withdrawn before its person signed up.
create function public.pending_member_remove(p_pending_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_pm app.pending_members;
begin
  perform app.require_user();
  delete from app.pending_members pm where pm.id = p_pending_id and pm.attached_at is null returning * into v_pm;
  if not found then
    raise exception using message = 'admin.member_not_found', errcode = 'PT404';
  end if;
  perform app.audit(v_pm.org_id, 'roster.pending_remove', v_pm.id, jsonb_build_object('name', v_pm.display_name));
  return jsonb_build_object('id', v_pm.id, 'removed', true);
end
$$;
revoke execute on function public.pending_member_remove(uuid) from public, anon;
grant execute on function public.pending_member_remove(uuid) to authenticated;

-- functions: roster import ------------------------------------------------------------------
create function public.roster_import_check(p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_rows jsonb;
begin
  perform app.require_manage(p_org_id);
  v_rows := app.roster_check_rows(p_org_id, p_rows);
  return jsonb_build_object(
    'rows', v_rows,
    'total', jsonb_array_length(v_rows),
    'bad', (select count(*) from jsonb_array_elements(v_rows) r where jsonb_array_length(r -> 'errors') > 0)
  );
end
$$;
revoke execute on function public.roster_import_check(uuid, jsonb) from public, anon;
grant execute on function public.roster_import_check(uuid, jsonb) to authenticated;

-- Saves the rows that pass (with their cadre flag); a retry answers the first result.
create function public.roster_import(p_id uuid, p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_rows jsonb;
  v_good jsonb;
  v_bad jsonb;
  v_done app.roster_imports;
  v_result jsonb;
begin
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_done from app.roster_imports i where i.id = p_id;
  if found then
    if v_done.org_id <> p_org_id or v_done.created_by is distinct from v_uid then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return coalesce(v_done.result, jsonb_build_object('import_id', v_done.id, 'saved', v_done.row_count, 'bad', '[]'::jsonb));
  end if;
  v_rows := app.roster_check_rows(p_org_id, p_rows);
  select coalesce(jsonb_agg(r order by (r ->> 'index')::int) filter (where jsonb_array_length(r -> 'errors') = 0), '[]'),
         coalesce(jsonb_agg(jsonb_build_object('index', r -> 'index', 'row', r -> 'row', 'errors', r -> 'errors')
                            order by (r ->> 'index')::int) filter (where jsonb_array_length(r -> 'errors') > 0), '[]')
    into v_good, v_bad
    from jsonb_array_elements(v_rows) r;
  v_result := jsonb_build_object('import_id', p_id, 'total', jsonb_array_length(v_rows),
    'saved', jsonb_array_length(v_good), 'bad', v_bad);
  insert into app.roster_imports (id, org_id, created_by, row_count, result)
  values (p_id, p_org_id, v_uid, jsonb_array_length(v_rows), v_result);
  insert into app.pending_members (import_id, org_id, phone, display_name, role, invited_by, is_cadre)
  select p_id, (r ->> 'org_id')::uuid, r ->> 'phone', r ->> 'name', r ->> 'role', v_uid, (r ->> 'is_cadre')::boolean
    from jsonb_array_elements(v_good) r
  on conflict (org_id, phone) where attached_at is null
  do update set display_name = excluded.display_name, role = excluded.role,
                import_id = excluded.import_id, invited_by = excluded.invited_by, is_cadre = excluded.is_cadre;
  perform app.audit(p_org_id, 'roster.import', p_id,
    jsonb_build_object('rows', jsonb_array_length(v_rows), 'saved', jsonb_array_length(v_good),
                       'bad', jsonb_array_length(v_bad)));
  return v_result;
end
$$;
revoke execute on function public.roster_import(uuid, uuid, jsonb) from public, anon;
grant execute on function public.roster_import(uuid, uuid, jsonb) to authenticated;

-- functions: invites ------------------------------------------------------------------------
create function app.invite_json(p_invite app.invites) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p_invite.id, 'org_id', p_invite.org_id, 'code', p_invite.code,
    'role', p_invite.role, 'expires_at', p_invite.expires_at, 'max_uses', p_invite.max_uses,
    'use_count', p_invite.use_count, 'revoked_at', p_invite.revoked_at, 'created_at', p_invite.created_at,
    'status', app.invite_status(p_invite), 'needs_approval', p_invite.needs_approval)
$$;
revoke execute on function app.invite_json(app.invites) from public;
grant execute on function app.invite_json(app.invites) to authenticated;

create function public.invite_create(p_id uuid, p_org_id uuid, p_expires_at timestamptz, p_max_uses int, p_role text default 'member')
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_invite app.invites;
  v_code text;
  v_alphabet constant text := 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  v_try int := 0;
begin
  if p_id is null then
    raise exception using message = 'admin.id_required', errcode = 'P0001';
  end if;
  select * into v_invite from app.invites i where i.id = p_id;
  if found then
    if v_invite.org_id <> p_org_id then
      raise exception using message = 'admin.id_conflict', errcode = 'PT409';
    end if;
    return app.invite_json(v_invite);
  end if;
  if coalesce(p_role, 'member') not in ('member', 'committee') then
    raise exception using message = 'admin.role_invalid', errcode = 'P0001';
  end if;
  if p_expires_at is null then
    raise exception using message = 'admin.expiry_required', errcode = 'P0001';
  elsif p_expires_at <= now() then
    raise exception using message = 'admin.expiry_past', errcode = 'P0001';
  elsif p_expires_at > now() + interval '366 days' then
    raise exception using message = 'admin.expiry_too_far', errcode = 'P0001';
  end if;
  if p_max_uses is not null and (p_max_uses < 1 or p_max_uses > 10000) then
    raise exception using message = 'admin.max_uses_invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from app.organisations o where o.id = p_org_id and o.retired_at is not null) then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  loop
    v_try := v_try + 1;
    select string_agg(substr(v_alphabet, 1 + (get_byte(b, i) % 32), 1), '' order by i) into v_code
      from extensions.gen_random_bytes(8) b, generate_series(0, 7) i;
    exit when not exists (select 1 from app.invites i where i.code = v_code) or v_try > 5;
  end loop;
  insert into app.invites (id, org_id, code, role, expires_at, max_uses, created_by)
  values (p_id, p_org_id, v_code, coalesce(p_role, 'member'), p_expires_at, p_max_uses, v_uid)
  returning * into v_invite;
  perform app.audit(p_org_id, 'invite.create', v_invite.id,
    jsonb_build_object('code', v_code, 'expires_at', p_expires_at, 'max_uses', p_max_uses, 'role', v_invite.role));
  return app.invite_json(v_invite);
end
$$;
revoke execute on function public.invite_create(uuid, uuid, timestamp with time zone, integer, text) from public, anon;
grant execute on function public.invite_create(uuid, uuid, timestamp with time zone, integer, text) to authenticated;

create function public.invite_list(p_org_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  return coalesce((
    select jsonb_agg(app.invite_json(i) order by (i.revoked_at is null) desc, i.created_at desc)
      from app.invites i where i.org_id = p_org_id
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.invite_list(uuid) from public, anon;
grant execute on function public.invite_list(uuid) to authenticated;

create function public.invite_revoke(p_invite_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_invite app.invites;
begin
  perform app.require_user();
  select * into v_invite from app.invites i where i.id = p_invite_id;
  if not found then
    raise exception using message = 'admin.invite_not_found', errcode = 'PT404';
  end if;
  if v_invite.revoked_at is null then
    update app.invites set revoked_at = now() where id = v_invite.id returning * into v_invite;
    perform app.audit(v_invite.org_id, 'invite.revoke', v_invite.id, jsonb_build_object('code', v_invite.code));
  end if;
  return app.invite_json(v_invite);
end
$$;
revoke execute on function public.invite_revoke(uuid) from public, anon;
grant execute on function public.invite_revoke(uuid) to authenticated;

-- functions: the audit log ------------------------------------------------------------------

-- Newest first, keyset by id (p_before: the last id of the previous page). p_action is an
-- exact action ('member.set_role') or its area ('member').
create function public.audit_log(p_org_id uuid default null, p_actor_id uuid default null,
  p_action text default null, p_before bigint default null, p_limit int default 30) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_limit int := coalesce(p_limit, 30);
  v_action text := nullif(btrim(coalesce(p_action, '')), '');
begin
  perform app.require_admin();
  if v_limit < 1 or v_limit > 100 then
    raise exception using message = 'admin.limit_invalid', errcode = 'P0001';
  end if;
  if v_action is not null and v_action !~ '^[a-z_]+(\.[a-z_]+)?$' then
    raise exception using message = 'admin.action_invalid', errcode = 'P0001';
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object('id', x.id, 'at', x.at, 'action', x.action,
        'actor_id', x.actor_id, 'actor_name', p.display_name, 'org_id', x.org_id, 'org_name', o.name,
        'subject_id', x.subject_id, 'subject_name', sp.display_name, 'detail', x.detail) order by x.id desc)
      from (
        select a.* from app.audit_log a
         where (p_before is null or a.id < p_before)
           and (p_actor_id is null or a.actor_id = p_actor_id)
           and (v_action is null or a.action = v_action or a.action like v_action || '.%')
           and (p_org_id is null or a.org_id in (select s.id from app.organisations s where s.path @> array[p_org_id]))
         order by a.id desc
         limit v_limit
      ) x
      left join app.profiles p on p.user_id = x.actor_id
      left join app.profiles sp on sp.user_id = x.subject_id
      left join app.organisations o on o.id = x.org_id
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.audit_log(uuid, uuid, text, bigint, integer) from public, anon;
grant execute on function public.audit_log(uuid, uuid, text, bigint, integer) to authenticated;

-- functions: reports and study hours (学时) -------------------------------------------------
-- They read the readings, topics and sessions tables of other areas across RLS on purpose
-- (security definer), after checking that the caller manages the organisation asked about.
create function app.check_period(p_from date, p_to date) returns void
language plpgsql immutable set search_path = '' as $$
begin
  if p_from is null or p_to is null then
    raise exception using message = 'admin.period_required', errcode = 'P0001';
  elsif p_from > p_to then
    raise exception using message = 'admin.period_order', errcode = 'P0001';
  elsif p_to - p_from > 731 then
    raise exception using message = 'admin.period_too_long', errcode = 'P0001';
  end if;
end
$$;
revoke execute on function app.check_period(date, date) from public;
grant execute on function app.check_period(date, date) to authenticated;

-- An organisation's 学时 in a period: the one place both the report and 学时
-- (study_ledger, so org_study_hours and home_admin) read it. Sessions attended by those expected on
-- the day (app.attendance_org_sessions); sections read by those who belonged to the organisation,
-- or below it, when they read (the org_minutes and org_sections facts of app.report_org_facts).
-- Per month when p_by_month, else one row per organisation (month null): the report wants totals,
-- and cutting each day to its month was a third of the report's time.
create function app.org_hours(p_orgs uuid[], p_from date, p_to date, p_by_month boolean)
returns table (org_id uuid, month date, session_minutes int, sessions int, reading_minutes int, sections int)
language sql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' as $$
  select x.org_id, x.month, sum(x.session_minutes)::int, sum(x.sessions)::int, sum(x.reading_minutes)::int,
         sum(x.sections)::int
    from (
      select t.org_id, case when p_by_month then date_trunc('month', t.starts_at)::date end as month,
             t.attended * t.duration_minutes as session_minutes,
             t.attended as sessions, 0::bigint as reading_minutes, 0::bigint as sections
        from unnest(p_orgs) as o(id)
        join app.attendance_org_sessions t on t.org_id = o.id
       where t.attended > 0 and t.starts_at >= p_from and t.starts_at < (p_to + 1)
      union all
      select f.org_id, case when p_by_month then date_trunc('month', f.day)::date end, 0, 0,
             case when f.kind = 'org_minutes' then f.n else 0 end, case when f.kind = 'org_sections' then f.n else 0 end
        from unnest(p_orgs) as o(id)
        join app.report_org_facts f on f.org_id = o.id
       where f.kind in ('org_minutes', 'org_sections')
         and f.key = '00000000-0000-0000-0000-000000000000'::uuid and f.day between p_from and p_to) x
   group by 1, 2
$$;
revoke execute on function app.org_hours(uuid[], date, date, boolean) from public, anon, authenticated;

-- The report of p_root's subtree: organisations, plans, topics; attendance from
-- app.attendance_org_sessions, 学时 from app.org_hours, plans' progress and discussion from
-- app.report_org_facts (same answer as the direct count from the ticks and posts it replaced).
create function app.report_data(p_root uuid, p_from date, p_to date)
returns jsonb
language plpgsql stable security definer set search_path = '' set jit = off
set timezone = 'Asia/Shanghai' as $$
declare
  v_result jsonb;
begin
  if not app.can_manage(p_root) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  root as (select o.id, o.path from app.organisations o where o.id = p_root),
  orgs as (select o.* from app.organisations o, root where o.path @> array[root.id] and o.retired_at is null),
  plans as (
    select p.id, p.title, p.due_on, p.org_id,
           (select count(*) from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
             where pr.plan_id = p.id)::int as sections
      from app.study_plans p, root
     where exists (select 1 from app.plan_orgs po
                    where po.plan_id = p.id and (po.org_id = any (root.path) or po.org_id in (select orgs.id from orgs)))
       and p.due_on >= p_from and p.created_at < (p_to + 1)),
  -- the subtree's facts the period needs: members, and reading and posts on its days
  org_stats as (
    select f.org_id,
           coalesce(sum(f.users) filter (where f.kind = 'member'), 0)::int as members,
           coalesce(sum(f.users) filter (where f.kind = 'posts' and f.prev_day < p_from), 0)::int as posters,
           coalesce(sum(f.n) filter (where f.kind = 'posts'), 0)::int as posts
      from (select x.* from app.report_org_facts x
             where x.org_id in (select orgs.id from orgs) and x.kind = 'member' and x.key = '00000000-0000-0000-0000-000000000000'::uuid and x.day = '-infinity'::date
            union all
            select x.* from app.report_org_facts x
             where x.org_id in (select orgs.id from orgs) and x.kind = 'posts' and x.key = '00000000-0000-0000-0000-000000000000'::uuid
               and x.day between p_from and p_to) f
     group by 1),
  org_att as (select x.* from app.report_attendance(p_root, p_from, p_to) x),
  org_hours as (
    select h.org_id, h.session_minutes, h.reading_minutes
      from app.org_hours(array(select orgs.id from orgs), p_from, p_to, false) h),
  -- per (organisation, plan): the totals, less what was read after p_to
  plan_rows as (
    select f.org_id, f.key as plan_id,
           sum(f.users) filter (where f.kind = 'done' and f.day = '-infinity'::date) as members,
           sum(f.n) filter (where f.kind = 'done' and f.day = '-infinity'::date)
             - coalesce(sum(f.n) filter (where f.kind = 'done' and f.day > p_to), 0) as done,
           coalesce(sum(f.users) filter (where f.kind = 'complete' and f.day = '-infinity'::date), 0)
             - coalesce(sum(f.users) filter (where f.kind = 'complete' and f.day > p_to), 0) as done_members
      from app.report_org_facts f
     where f.org_id in (select orgs.id from orgs) and f.kind in ('done', 'complete')
       and f.key in (select plans.id from plans) and (f.day = '-infinity'::date or f.day > p_to)
     group by 1, 2),
  org_read as (
    select x.org_id, jsonb_agg(jsonb_build_object('plan_id', x.plan_id, 'members', x.members, 'done', x.done,
             'total', x.total, 'done_members', x.done_members) order by x.plan_id) as reading,
           sum(x.done)::int as done, sum(x.total)::int as total
      from (
        select pr.org_id, p.id as plan_id, pr.members::int as members, pr.done::int as done,
               (pr.members * p.sections)::int as total, pr.done_members::int as done_members
          from plan_rows pr join plans p on p.id = pr.plan_id
         where pr.members > 0) x
     group by 1),
  org_pending as (
    select r.id as org_id, count(*)::int as pending
      from orgs r join app.pending_members pm on pm.attached_at is null
      join orgs po on po.id = pm.org_id and po.path @> array[r.id]
     group by 1),
  topic_rows as (
    select t.id, t.title, sum(x.n)::int as posts, (sum(x.users) filter (where x.prev_day < p_from))::int as posters
      from app.report_org_facts x join app.topics t on t.id = x.key
     where x.org_id = p_root and x.kind = 'topic' and x.day between p_from and p_to
     group by t.id, t.title
    having sum(x.n) > 0
     order by sum(x.n) desc, t.title limit 30)
  select jsonb_build_object(
    'root_id', p_root, 'from', p_from, 'to', p_to,
    'plans', coalesce((select jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'due_on', p.due_on,
                 'sections', p.sections) order by p.due_on, p.title) from plans p), '[]'::jsonb),
    'topics', coalesce((select jsonb_agg(to_jsonb(tr) order by tr.posts desc, tr.title) from topic_rows tr), '[]'::jsonb),
    'orgs', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', r.id, 'name', r.name, 'kind', r.kind, 'parent_id', r.parent_id,
          'depth', cardinality(r.path) - cardinality(root.path),
          'members', coalesce(st.members, 0), 'pending', coalesce(op.pending, 0),
          'posters', coalesce(st.posters, 0), 'posts', coalesce(st.posts, 0),
          'session_minutes', coalesce(oh.session_minutes, 0), 'reading_minutes', coalesce(oh.reading_minutes, 0),
          'attendance', coalesce(oa.attendance, '[]'::jsonb), 'expected', coalesce(oa.expected, 0),
          'attended', coalesce(oa.attended, 0),
          'reading', coalesce(orr.reading, '[]'::jsonb), 'read_done', coalesce(orr.done, 0),
          'read_total', coalesce(orr.total, 0))
          order by r.path)
        from orgs r cross join root
        left join org_stats st on st.org_id = r.id
        left join org_pending op on op.org_id = r.id
        left join org_att oa on oa.org_id = r.id
        left join org_hours oh on oh.org_id = r.id
        left join org_read orr on orr.org_id = r.id), '[]'::jsonb)
  ) into v_result;
  return v_result;
end
$$;
revoke execute on function app.report_data(uuid, date, date) from public;
grant execute on function app.report_data(uuid, date, date) to authenticated;

create function public.report_org(p_org_id uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  perform app.check_period(p_from, p_to);
  return app.report_data(p_org_id, p_from, p_to);
end
$$;
revoke execute on function public.report_org(uuid, date, date) from public, anon;
grant execute on function public.report_org(uuid, date, date) to authenticated;

create function public.report_bureau(p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_root uuid;
begin
  perform app.require_admin();
  perform app.check_period(p_from, p_to);
  select m.org_id into v_root from app.memberships m
   where m.user_id = auth.uid() and m.ended_at is null and m.role = 'admin' order by m.joined_at limit 1;
  return app.report_data(v_root, p_from, p_to);
end
$$;
revoke execute on function public.report_bureau(date, date) from public, anon;
grant execute on function public.report_bureau(date, date) to authenticated;

-- 学时. A member's: the sessions they attended where expected on the day (app.attendance_facts)
-- and every section they read (their own minutes and sections facts). An organisation's:
-- app.org_hours, as the report reads it.
create function app.study_ledger(p_user uuid, p_org uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai' set jit = off as $$
declare
  v_result jsonb;
begin
  if p_user is not null and p_user is distinct from auth.uid() then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  if p_user is null and not app.can_manage(p_org) then
    raise exception using message = 'admin.forbidden', errcode = '42501';
  end if;
  with
  users as (
    select p_user as user_id where p_user is not null
    union
    select distinct m.user_id from app.memberships m join app.organisations o on o.id = m.org_id
     where p_user is null and m.ended_at is null and o.path @> array[p_org]),
  months as (
    select date_trunc('month', f.starts_at)::date as month, sum(f.duration_minutes)::int as session_minutes,
           0 as reading_minutes, count(*)::int as sessions, 0 as sections
      from app.attendance_facts f
     where p_user is not null and f.user_id = p_user and f.checkin_status in ('present', 'late') and not f.cancelled
       and f.starts_at >= p_from and f.starts_at < (p_to + 1)
     group by 1
    union all
    select date_trunc('month', f.day)::date, 0, sum(f.n) filter (where f.kind = 'minutes')::int, 0,
           sum(f.n) filter (where f.kind = 'sections')::int
      from app.report_user_facts f
     where p_user is not null and f.user_id = p_user and f.kind in ('minutes', 'sections')
       and f.key = '00000000-0000-0000-0000-000000000000'::uuid and f.day between p_from and p_to
     group by 1
    union all
    select h.month, h.session_minutes, h.reading_minutes, h.sessions, h.sections
      from app.org_hours(array[p_org], p_from, p_to, true) h
     where p_user is null),
  by_month as (
    select month, sum(session_minutes)::int as session_minutes, sum(reading_minutes)::int as reading_minutes,
           sum(sessions)::int as sessions, sum(sections)::int as sections
      from months group by month)
  select jsonb_build_object(
    'from', p_from, 'to', p_to,
    'members', (select count(*) from users)::int,
    'session_minutes', coalesce((select sum(session_minutes) from by_month), 0)::int,
    'reading_minutes', coalesce((select sum(reading_minutes) from by_month), 0)::int,
    'sessions', coalesce((select sum(sessions) from by_month), 0)::int,
    'sections', coalesce((select sum(sections) from by_month), 0)::int,
    'months', coalesce((select jsonb_agg(jsonb_build_object('month', to_char(month, 'YYYY-MM'),
                 'session_minutes', session_minutes, 'reading_minutes', reading_minutes) order by month)
                 from by_month), '[]'::jsonb))
  into v_result;
  return v_result;
end
$$;
revoke execute on function app.study_ledger(uuid, uuid, date, date) from public;
grant execute on function app.study_ledger(uuid, uuid, date, date) to authenticated;

create function public.my_study_hours(p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  perform app.check_period(p_from, p_to);
  return app.study_ledger(v_uid, null, p_from, p_to);
end
$$;
revoke execute on function public.my_study_hours(date, date) from public, anon;
grant execute on function public.my_study_hours(date, date) to authenticated;

create function public.org_study_hours(p_org_id uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_manage(p_org_id);
  perform app.check_period(p_from, p_to);
  return app.study_ledger(null, p_org_id, p_from, p_to) || jsonb_build_object('org_id', p_org_id);
end
$$;
revoke execute on function public.org_study_hours(uuid, date, date) from public, anon;
grant execute on function public.org_study_hours(uuid, date, date) to authenticated;

-- For home_summary(): what a manager has waiting, and my study hours this year.
create function app.home_admin() returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'Asia/Shanghai' as $$
declare
  v_uid uuid := app.require_user();
  v_year date := date_trunc('year', now())::date;
begin
  return jsonb_build_object(
    'can_manage', exists (select 1 from app.managed_org_ids()),
    'pending_members', (select count(*) from app.pending_members pm where pm.attached_at is null)::int,
    'active_invites', (select count(*) from app.invites i where app.invite_status(i) = 'active')::int,
    'study_minutes_year', (select (l ->> 'session_minutes')::int + (l ->> 'reading_minutes')::int
                             from app.study_ledger(v_uid, null, v_year, current_date) l));
end
$$;
revoke execute on function app.home_admin() from public;
grant execute on function app.home_admin() to authenticated, service_role;

-- functions: requests to join ---------------------------------------------------------------

-- Roster rows waiting for my verified phone: which organisation asks, for which role, who asked.
create function app.roster_requests_for_me() returns jsonb
language sql stable security definer set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
      'id', pm.id, 'org_id', o.id, 'org_name', o.name, 'role', pm.role,
      'path_names', (select jsonb_agg(a.name order by array_position(o.path, a.id)) from app.organisations a where a.id = any (o.path)),
      'invited_by_name', ip.display_name, 'created_at', pm.created_at)
      order by pm.created_at, pm.id), '[]'::jsonb)
    from app.pending_members pm
    join app.organisations o on o.id = pm.org_id and o.retired_at is null
    left join app.profiles ip on ip.user_id = pm.invited_by
   where pm.phone = app.my_verified_phone() and pm.attached_at is null
     and auth.uid() is not null
     and not exists (select 1 from app.memberships m where m.org_id = pm.org_id and m.user_id = auth.uid() and m.ended_at is null)
$$;
revoke execute on function app.roster_requests_for_me() from public;
grant execute on function app.roster_requests_for_me() to authenticated;

create function public.my_roster_requests() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  return app.roster_requests_for_me();
end
$$;
revoke execute on function public.my_roster_requests() from public, anon;
grant execute on function public.my_roster_requests() to authenticated;

-- Accept (a membership with the row's role, as the secretary who asked) or decline (the row is
-- deleted: nothing of it is left waiting, and a later import may ask again). Crosses RLS on
-- purpose: the person is not a manager of the organisation that asks. Only the verified owner
-- of the row's phone may answer; a retry of the same answer returns the same result (a decline
-- is found again in the audit log), a different answer after the first is a conflict.
create function app.roster_request_answer(p_pending uuid, p_accept boolean) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_phone text := app.my_verified_phone();
  v_pm app.pending_members;
  v_declined app.audit_log;
  v_membership uuid;
begin
  if p_accept is null then
    raise exception using message = 'admin.answer_required', errcode = 'P0001';
  end if;
  select * into v_pm from app.pending_members pm where pm.id = p_pending for update;
  if not found then
    select * into v_declined from app.audit_log a
     where a.action = 'roster.decline' and a.actor_id = v_uid and a.detail ->> 'pending_id' = p_pending::text
     order by a.id desc limit 1;
    if v_declined.id is null then
      raise exception using message = 'admin.request_not_found', errcode = 'PT404';
    elsif p_accept then
      raise exception using message = 'admin.request_answered', errcode = 'PT409';
    end if;
    return jsonb_build_object('id', p_pending, 'org_id', v_declined.org_id, 'accepted', false);
  end if;
  if v_phone is null or v_pm.phone <> v_phone or (v_pm.attached_at is not null and v_pm.attached_user_id <> v_uid) then
    raise exception using message = 'admin.request_not_found', errcode = 'PT404';
  end if;
  if v_pm.attached_at is not null then
    if not p_accept then
      raise exception using message = 'admin.request_answered', errcode = 'PT409';
    end if;
    return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', true);
  end if;
  if not p_accept then
    delete from app.pending_members where id = v_pm.id;
    perform app.audit(v_pm.org_id, 'roster.decline', v_uid, jsonb_build_object('pending_id', v_pm.id));
    return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', false);
  end if;
  if exists (select 1 from app.organisations o where o.id = v_pm.org_id and o.retired_at is not null) then
    raise exception using message = 'admin.org_retired', errcode = 'P0001';
  end if;
  insert into app.memberships (org_id, user_id, role, created_by)
  select v_pm.org_id, v_uid, v_pm.role, v_pm.invited_by
   where not exists (select 1 from app.memberships m where m.org_id = v_pm.org_id and m.user_id = v_uid and m.ended_at is null)
  returning id into v_membership;
  update app.pending_members set attached_user_id = v_uid, attached_at = now() where id = v_pm.id;
  perform app.audit(v_pm.org_id, 'roster.accept', v_uid, jsonb_build_object('pending_id', v_pm.id, 'role', v_pm.role, 'membership_id', v_membership));
  return jsonb_build_object('id', v_pm.id, 'org_id', v_pm.org_id, 'accepted', true);
end
$$;
revoke execute on function app.roster_request_answer(uuid, boolean) from public;
grant execute on function app.roster_request_answer(uuid, boolean) to authenticated;

create function public.roster_request_answer(p_pending_id uuid, p_accept boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
begin
  return app.roster_request_answer(p_pending_id, p_accept);
end
$$;
revoke execute on function public.roster_request_answer(uuid, boolean) from public, anon;
grant execute on function public.roster_request_answer(uuid, boolean) to authenticated;

-- functions: the summary --------------------------------------------------------------------
create function app.org_member_counts_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  -- in organisation order, so that concurrent roster writes lock the counters in one order
  insert into app.org_member_counts as c (org_id, members)
  select (d.key)::uuid, (d.value)::int from jsonb_each_text(p_delta) d
   where (d.value)::int <> 0 order by 1
  on conflict (org_id) do update set members = c.members + excluded.members;
  delete from app.org_member_counts c
   where c.members = 0 and c.org_id in (select (d.key)::uuid from jsonb_each_text(p_delta) d);
end
$$;
revoke execute on function app.org_member_counts_apply(jsonb) from public;

create function app.org_member_counts_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.org_member_counts;
  insert into app.org_member_counts (org_id, members)
  select m.org_id, count(*)::int from app.memberships m where m.ended_at is null group by m.org_id;
end
$$;
revoke execute on function app.org_member_counts_rebuild() from public;
grant execute on function app.org_member_counts_rebuild() to service_role;

-- functions: the rule -----------------------------------------------------------------------

-- The facts of some members, from the ticks, posts and plans (the one place the report's
-- reading and discussion rules live). PL/pgSQL with one generic plan kept across calls: a tick
-- calls it for one member, and planning its statement each time cost ten times running it
-- (7–14 ms against 0.5–0.8 ms, in-engine on the management bench's data).
create function app.report_facts_of(p_users uuid[])
returns table (user_id uuid, kind text, key uuid, day date, prev_day date, n int)
language plpgsql stable security definer set search_path = '' set timezone = 'Asia/Shanghai'
set plan_cache_mode = force_generic_plan as $$
#variable_conflict use_column
begin
  return query
  with
  nil as (select '00000000-0000-0000-0000-000000000000'::uuid as id, '-infinity'::date as none),
  reached as (
    select distinct r.user_id from app.org_reach r where r.user_id = any (p_users) and r.on_path),
  read as (
    select t.user_id, s.reading_id, t.section_id, t.read_at, t.read_at::date as day, s.est_minutes
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.user_id = any (p_users)),
  -- each section read, once for every organisation the reader belonged to, or below, when they read
  read_in as (
    select distinct rd.user_id, rd.section_id, rd.day, rd.est_minutes, a.org_id
      from read rd
      -- the members' own memberships by index (said twice for the generic plan, which otherwise
      -- hashes every membership of the province to join a few)
      join app.memberships m on m.user_id = rd.user_id and m.user_id = any (p_users) and m.during @> rd.read_at
      join app.organisations o on o.id = m.org_id
      cross join lateral unnest(o.path) as a(org_id)),
  post_days as (
    select p.author_id as user_id, p.topic_id, p.created_at::date as day, count(*)::int as n
      from app.posts p
     where p.author_id = any (p_users) and p.deleted_at is null
     group by 1, 2, 3),
  day_posts as (select d.user_id, d.day, sum(d.n)::int as n from post_days d group by 1, 2),
  plan_users as (
    select distinct po.plan_id, r.user_id
      from app.plan_orgs po join app.org_reach r on r.org_id = po.org_id and r.on_path
     where r.user_id = any (p_users)),
  plan_sections as (
    select pr.plan_id, count(*)::int as sections
      from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
     where pr.plan_id in (select pu.plan_id from plan_users pu)
     group by 1),
  plan_days as (
    select pu.plan_id, pu.user_id, rd.day, count(*)::int as n, max(rd.read_at) as last_at
      from plan_users pu
      join app.plan_readings pr on pr.plan_id = pu.plan_id
      join read rd on rd.user_id = pu.user_id and rd.reading_id = pr.reading_id
     group by 1, 2, 3),
  plan_done as (
    select pu.plan_id, pu.user_id, coalesce(sum(d.n), 0)::int as n, max(d.last_at)::date as last_day,
           coalesce(max(ps.sections), 0) as sections
      from plan_users pu
      left join plan_days d on d.plan_id = pu.plan_id and d.user_id = pu.user_id
      left join plan_sections ps on ps.plan_id = pu.plan_id
     group by 1, 2)
  select r.user_id, 'member', nil.id, nil.none, nil.none, 0 from reached r, nil
  union all
  select rd.user_id, 'minutes', nil.id, rd.day, nil.none, coalesce(sum(rd.est_minutes), 0)::int
    from read rd, nil group by rd.user_id, rd.day, nil.id, nil.none
  union all
  select rd.user_id, 'sections', nil.id, rd.day, nil.none, count(*)::int
    from read rd, nil group by rd.user_id, rd.day, nil.id, nil.none
  union all
  select ri.user_id, 'org_minutes', ri.org_id, ri.day, nil.none, coalesce(sum(ri.est_minutes), 0)::int
    from read_in ri, nil group by ri.user_id, ri.org_id, ri.day, nil.none
  union all
  select ri.user_id, 'org_sections', ri.org_id, ri.day, nil.none, count(*)::int
    from read_in ri, nil group by ri.user_id, ri.org_id, ri.day, nil.none
  union all
  select d.user_id, 'posts', nil.id, d.day, coalesce(lag(d.day) over (partition by d.user_id order by d.day), nil.none), d.n
    from day_posts d, nil
  union all
  select d.user_id, 'topic', d.topic_id, d.day,
         coalesce(lag(d.day) over (partition by d.user_id, d.topic_id order by d.day), nil.none), d.n
    from post_days d, nil
  union all
  select pd.user_id, 'done', pd.plan_id, nil.none, nil.none, pd.n from plan_done pd, nil
  union all
  select d.user_id, 'done', d.plan_id, d.day, nil.none, d.n from plan_days d, nil
  union all
  select pd.user_id, 'complete', pd.plan_id, x.day, nil.none, 1
    from plan_done pd cross join nil cross join lateral (values (nil.none), (pd.last_day)) x(day)
   where pd.sections > 0 and pd.n >= pd.sections;
end
$$;
revoke execute on function app.report_facts_of(uuid[]) from public, anon, authenticated;

-- functions: keeping the summary ------------------------------------------------------------

-- Adds signed per-organisation facts (jsonb rows of report_org_facts' columns).
create function app.report_org_facts_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if p_delta is null then
    return;
  end if;
  -- in key order, so that concurrent writers lock the shared rows (the bureau's) in one order
  insert into app.report_org_facts as t (org_id, kind, key, day, prev_day, n, users)
  select x.org_id, x.kind, x.key, x.day, x.prev_day, x.n, x.users
    from jsonb_to_recordset(p_delta) as x(org_id uuid, kind text, key uuid, day date, prev_day date, n bigint, users int)
   order by x.org_id, x.kind, x.key, x.day, x.prev_day
  on conflict (org_id, kind, key, day, prev_day) do update
    set n = t.n + excluded.n, users = t.users + excluded.users;
end
$$;
revoke execute on function app.report_org_facts_apply(jsonb) from public, anon, authenticated;

-- The members' facts recomputed and the organisations' sums changed by the difference. Facts
-- summed into the member's organisations: for a member who reaches the same organisations as
-- before (a tick, a post), only the facts that changed, in those organisations; otherwise the old
-- facts out of the old organisations and the new ones into the new. Facts of reading while
-- belonging (org_minutes, org_sections): the change, into the organisation the fact names. The
-- member's own (minutes, sections): kept per member only.
create function app.report_refresh(p_users uuid[]) returns void
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan as $$
declare
  v_delta jsonb;
begin
  if p_users is null or cardinality(p_users) = 0 then
    return;
  end if;
  -- one statement: the new facts are computed once and the member's rows written from them (only
  -- the rows that changed: a tick changes a few of a member's hundreds of facts, one per read day
  -- and organisation above them); the organisations' change comes back as v_delta, a few rows
  with
  newf as materialized (select * from app.report_facts_of(p_users)),
  oldf as (select f.user_id, f.kind, f.key, f.day, f.prev_day, f.n from app.report_user_facts f where f.user_id = any (p_users)),
  newr as (
    select r.user_id, array_agg(r.org_id order by r.org_id) as orgs
      from app.org_reach r where r.user_id = any (p_users) and r.on_path group by r.user_id),
  oldr as (select ur.user_id, ur.orgs from app.report_user_reach ur where ur.user_id = any (p_users)),
  same as (select n.user_id, n.orgs from newr n join oldr o on o.user_id = n.user_id and o.orgs = n.orgs),
  diff as (
    select coalesce(n.user_id, o.user_id) as user_id, coalesce(n.kind, o.kind) as kind, coalesce(n.key, o.key) as key,
           coalesce(n.day, o.day) as day, coalesce(n.prev_day, o.prev_day) as prev_day,
           coalesce(n.n, 0) - coalesce(o.n, 0) as n, (n.user_id is not null)::int - (o.user_id is not null)::int as users
      from (select * from newf where newf.user_id in (select same.user_id from same) or newf.kind in ('org_minutes', 'org_sections')) n
      full join (select * from oldf where oldf.user_id in (select same.user_id from same) or oldf.kind in ('org_minutes', 'org_sections')) o
        on o.user_id = n.user_id and o.kind = n.kind and o.key = n.key and o.day = n.day and o.prev_day = n.prev_day),
  summed as (select * from diff where diff.kind not in ('minutes', 'sections', 'org_minutes', 'org_sections')),
  contrib as (
    select a.org_id, d.kind, d.key, d.day, d.prev_day, d.n::bigint as n, d.users
      from summed d join same s on s.user_id = d.user_id cross join lateral unnest(s.orgs) as a(org_id)
     where d.n <> 0 or d.users <> 0
    union all
    select a.org_id, o.kind, o.key, o.day, o.prev_day, -o.n::bigint, -1
      from oldf o join oldr r on r.user_id = o.user_id cross join lateral unnest(r.orgs) as a(org_id)
     where o.user_id not in (select same.user_id from same)
       and o.kind not in ('minutes', 'sections', 'org_minutes', 'org_sections')
    union all
    select a.org_id, n.kind, n.key, n.day, n.prev_day, n.n::bigint, 1
      from newf n join newr r on r.user_id = n.user_id cross join lateral unnest(r.orgs) as a(org_id)
     where n.user_id not in (select same.user_id from same)
       and n.kind not in ('minutes', 'sections', 'org_minutes', 'org_sections')
    union all
    select d.key, d.kind, '00000000-0000-0000-0000-000000000000'::uuid, d.day, d.prev_day, d.n::bigint, d.users
      from diff d
     where d.kind in ('org_minutes', 'org_sections') and (d.n <> 0 or d.users <> 0)),
  -- the member's rows: those no longer there out, the new and the changed in (disjoint rows)
  facts_gone as (
    delete from app.report_user_facts f
     where f.user_id = any (p_users)
       and not exists (select 1 from newf n where n.user_id = f.user_id and n.kind = f.kind and n.key = f.key
                                              and n.day = f.day and n.prev_day = f.prev_day)),
  facts_put as (
    insert into app.report_user_facts as f (user_id, kind, key, day, prev_day, n)
    select n.user_id, n.kind, n.key, n.day, n.prev_day, n.n from newf n
    on conflict (user_id, kind, key, day, prev_day) do update set n = excluded.n where f.n <> excluded.n),
  reach_gone as (
    delete from app.report_user_reach ur
     where ur.user_id = any (p_users) and ur.user_id not in (select newr.user_id from newr)),
  reach_put as (
    insert into app.report_user_reach as ur (user_id, orgs)
    select newr.user_id, newr.orgs from newr
    on conflict (user_id) do update set orgs = excluded.orgs where ur.orgs <> excluded.orgs)
  select jsonb_agg(to_jsonb(x)) into v_delta from (
    select c.org_id, c.kind, c.key, c.day, c.prev_day, sum(c.n) as n, sum(c.users) as users
      from contrib c group by 1, 2, 3, 4, 5
    having sum(c.n) <> 0 or sum(c.users) <> 0) x;

  perform app.report_org_facts_apply(v_delta);
  -- what no member brings any more
  delete from app.report_org_facts t
   using (select x.org_id, x.kind, x.key, x.day, x.prev_day
            from jsonb_to_recordset(v_delta) as x(org_id uuid, kind text, key uuid, day date, prev_day date)) d
   where t.org_id = d.org_id and t.kind = d.kind and t.key = d.key and t.day = d.day and t.prev_day = d.prev_day
     and t.users = 0 and t.n = 0;
end
$$;
revoke execute on function app.report_refresh(uuid[]) from public, anon, authenticated;
grant execute on function app.report_refresh(uuid[]) to service_role;

-- The whole summary from the rule (the backfill; benchmarks after bulk loading with triggers off).
create function app.report_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.report_org_facts;
  delete from app.report_user_facts;
  delete from app.report_user_reach;
  perform app.report_refresh(array(select p.user_id from app.profiles p));
end
$$;
revoke execute on function app.report_rebuild() from public, anon, authenticated;
grant execute on function app.report_rebuild() to service_role;

-- grants ------------------------------------------------------------------------------------
grant select, insert on app.roster_imports to authenticated;
grant select, insert, update, delete on app.pending_members to authenticated;
grant all on app.roster_imports, app.pending_members to service_role;
grant select on app.org_member_counts to authenticated;
grant all on app.org_member_counts to service_role;
grant all on app.report_user_facts, app.report_user_reach, app.report_org_facts to service_role;

reset check_function_bodies;
