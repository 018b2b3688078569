-- The helpers every check-in calls, planned once per connection (#15). A SQL function with a SET
-- clause (search_path, which every function here must fix) is never inlined, and PostgreSQL 15
-- plans a non-inlined SQL function again on each call; plpgsql keeps its plans for the session.
-- Same names, arguments, results and grants as before.

create or replace function app.code_of(p_secret bytea, p_step bigint) returns text
language plpgsql immutable set search_path = '' as $$
begin
  -- 6 digits from HMAC-SHA256(step, secret), step = floor(epoch / 30)
  return lpad(((('x' || lpad(substr(encode(extensions.hmac(p_step::text::bytea, p_secret, 'sha256'), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint
               % 1000000))::text, 6, '0');
end
$$;

create or replace function app.step_of(p_at timestamptz) returns bigint
language plpgsql immutable set search_path = '' as $$
begin
  return floor(extract(epoch from p_at) / 30)::bigint;
end
$$;

create or replace function app.checkin_json(c app.checkins) returns jsonb
language plpgsql stable set search_path = '' as $$
begin
  return jsonb_build_object('id', c.id, 'session_id', c.session_id, 'user_id', c.user_id, 'status', c.status,
    'method', c.method, 'checked_at', c.checked_at, 'claimed_at', c.claimed_at, 'reason', c.reason);
end
$$;
