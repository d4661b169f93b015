-- 100ms video rooms: a show's room and room codes, co-hosts, and viewer presence from 100ms's
-- webhook.
--
-- 1. private.show_rooms: every 100ms room a show has had (room -> show, for the webhook), and
--    the co-host room code of its current room (host and invited co-hosts read it).
--    record_show_room() / clear_show_room(): the host writes and clears the room and codes
--    (the hms-rooms Edge Function calls them with the host's own JWT).
-- 2. public.live_session_cohosts: influencers a host invited to a show. A co-host reads the
--    show's control room (show, lineup with its figures, sales lines) without changing
--    anything, and their room code through cohost_room_code().
-- 3. private.hms_webhook_events: the ledger of 100ms webhook events; record_hms_peer_event()
--    (service role only, called by the hms-webhook Edge Function) turns peer joins and leaves
--    into live_stream_viewers rows, so viewer counts come from 100ms, not from clients.

-- ---------------------------------------------------------------------------------------------
-- 1. Rooms
-- ---------------------------------------------------------------------------------------------
-- 100ms room ids are 24 hex digits and room codes look like `abc-defg-hij`; the bounds leave
-- room for format changes without letting arbitrary text in.
create function private.is_hms_token(p_value text) returns boolean
language sql immutable set search_path = ''
as $$ select p_value ~ '^[A-Za-z0-9_-]{1,64}$' $$;

create table private.show_rooms (
  room_id     text primary key check (private.is_hms_token(room_id)),
  session_id  uuid not null references public.live_stream_sessions (id) on delete cascade,
  -- The co-host role's room code while the room is the show's current one; null once cleared.
  cohost_code text check (private.is_hms_token(cohost_code)),
  opened_at   timestamptz not null default now(),
  closed_at   timestamptz
);
create index show_rooms_session_id_idx on private.show_rooms (session_id);

-- Raises 22023 unless p_codes is {"host": code, "co-host": code, "viewer": code}; the co-host
-- code may be null or absent (a template without that role: the show has no co-hosts' code).
create function private.check_room_codes(p_codes jsonb) returns void
language plpgsql immutable set search_path = ''
as $$
declare
  k text;
begin
  if p_codes is null or jsonb_typeof(p_codes) <> 'object' then
    raise exception 'p_codes must be a JSON object with the host, co-host and viewer codes'
      using errcode = '22023';
  end if;
  for k in select jsonb_object_keys(p_codes) loop
    if k not in ('host', 'co-host', 'viewer') then
      raise exception 'p_codes has an unknown role "%"', left(k, 40)
        using errcode = '22023', hint = 'The roles are host, co-host and viewer.';
    end if;
  end loop;
  foreach k in array array['host', 'co-host', 'viewer'] loop
    continue when k = 'co-host' and coalesce(p_codes -> k, 'null'::jsonb) = 'null'::jsonb;
    if jsonb_typeof(p_codes -> k) is distinct from 'string'
       or not private.is_hms_token(p_codes ->> k) then
      raise exception 'p_codes.% must be a room code (1 to 64 letters, digits, - or _)', k
        using errcode = '22023';
    end if;
  end loop;
end
$$;

-- The show's 100ms room and its codes, written by its host (the Edge Function, with the host's
-- JWT). Only a verified host may open a room for a public show; rehearsals may have one.
create function public.record_show_room(p_session_id uuid, p_room_id text, p_codes jsonb)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, false, 'open its video room');
  if p_room_id is null or not private.is_hms_token(p_room_id) then
    raise exception 'p_room_id must be a 100ms room id (1 to 64 letters, digits, - or _)'
      using errcode = '22023';
  end if;
  perform private.check_room_codes(p_codes);
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id
     for no key update;
  if v_show.status not in ('scheduled', 'live') then
    raise exception 'Cannot open a video room: the show is %', v_show.status
      using errcode = '55000', hint = 'Only a scheduled or live show has a video room.';
  end if;
  if not v_show.is_rehearsal and not exists (
       select 1 from public.influencers i
        where i.id = v_show.influencer_id and i.verification_status = 'verified') then
    raise exception 'Only verified hosts can go live in public'
      using errcode = '42501',
            hint = 'Run it as a rehearsal until ShopStream has verified the host.';
  end if;

  update private.show_rooms r set closed_at = now(), cohost_code = null
   where r.session_id = p_session_id and r.room_id <> p_room_id and r.closed_at is null;
  -- A room id another show has had is refused (checked on the row itself, so two hosts
  -- recording one room at once cannot both pass).
  insert into private.show_rooms as r (room_id, session_id, cohost_code)
  values (p_room_id, p_session_id, p_codes ->> 'co-host')
  on conflict (room_id) do update
    set cohost_code = excluded.cohost_code, closed_at = null
    where r.session_id = excluded.session_id;
  if not found then
    raise exception 'This video room belongs to another show' using errcode = '42501';
  end if;
  update public.live_stream_sessions s
     set hms_room_id = p_room_id,
         hms_host_room_code = p_codes ->> 'host',
         hms_viewer_room_code = p_codes ->> 'viewer'
   where s.id = p_session_id;
end
$$;

-- The show's room is over (ended in 100ms): its id and codes are no longer handed out. The room
-- stays known to the webhook (late leave events still close presence rows). Idempotent.
create function public.clear_show_room(p_session_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.owned_show(p_session_id, true, 'close its video room');
  update private.show_rooms r set closed_at = coalesce(r.closed_at, now()), cohost_code = null
   where r.session_id = p_session_id and (r.closed_at is null or r.cohost_code is not null);
  update public.live_stream_sessions s
     set hms_room_id = null, hms_host_room_code = null, hms_viewer_room_code = null
   where s.id = p_session_id
     and (s.hms_room_id, s.hms_host_room_code, s.hms_viewer_room_code) is distinct from
         (null, null, null);
end
$$;

-- host_session_credentials (20261124000500) also answers the co-host code of the current room
-- and the show's status, so the Edge Function checks ownership and state in one call.
create or replace function public.host_session_credentials(p_session_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  s public.live_stream_sessions;
begin
  if p_session_id is null then
    raise exception 'p_session_id is required' using errcode = '22023';
  end if;
  select * into s from public.live_stream_sessions where id = p_session_id;
  if not found then
    raise exception 'show % not found', p_session_id using errcode = 'P0002';
  end if;
  if s.influencer_id is distinct from (select private.current_influencer_id()) then
    raise exception 'only the host of this show may read its stream credentials'
      using errcode = '42501';
  end if;
  return jsonb_build_object(
    'session_id', s.id,
    'status', s.status,
    'is_rehearsal', s.is_rehearsal,
    'hms_room_id', s.hms_room_id,
    'hms_host_room_code', s.hms_host_room_code,
    'hms_cohost_room_code', (select r.cohost_code from private.show_rooms r
                              where r.room_id = s.hms_room_id and r.closed_at is null),
    'hms_viewer_room_code', s.hms_viewer_room_code,
    'stream_key', s.stream_key);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. Co-hosts
-- ---------------------------------------------------------------------------------------------
create table public.live_session_cohosts (
  id            uuid primary key default gen_random_uuid(),
  session_id    uuid not null references public.live_stream_sessions (id) on delete cascade,
  influencer_id uuid not null references public.influencers (id) on delete cascade,
  -- The host who invited them (the show's host: only they invite).
  invited_by    uuid references public.influencers (id) on delete set null,
  created_at    timestamptz not null default now(),
  unique (session_id, influencer_id)
);
create index live_session_cohosts_influencer_id_idx
  on public.live_session_cohosts (influencer_id);
create index live_session_cohosts_invited_by_idx on public.live_session_cohosts (invited_by);

alter table public.live_session_cohosts enable row level security;
revoke all on public.live_session_cohosts from anon, authenticated;
-- Written only through invite_cohost() / remove_cohost(). The policy reads the host from
-- invited_by, not from the show, so the show's policy can look at co-hosts without a cycle.
grant select on public.live_session_cohosts to authenticated;
create policy live_session_cohosts_select_authenticated on public.live_session_cohosts
  for select to authenticated
  using (influencer_id = (select private.current_influencer_id())
         or invited_by = (select private.current_influencer_id())
         or (select private.is_admin()));

-- Co-hosts read the show's control room: the show itself (a rehearsal included), every item
-- of its lineup with its figures, its sales lines (no personal data: order_items' readable
-- columns hold none, and orders stay the buyer's) and its chat as the host sees it (hidden
-- messages included; moderating stays the host's). The policies are those of 000500 with one
-- more alternative each.
drop policy live_stream_sessions_select_authenticated on public.live_stream_sessions;
create policy live_stream_sessions_select_authenticated on public.live_stream_sessions
  for select to authenticated
  using ((status in ('scheduled', 'live', 'ended') and not is_rehearsal)
         or influencer_id = (select private.current_influencer_id())
         or (select private.is_admin())
         or id in (select private.preview_session_ids())
         or id in (select c.session_id from public.live_session_cohosts c
                    where c.influencer_id = (select private.current_influencer_id())));

drop policy live_products_select_authenticated on public.live_products;
create policy live_products_select_authenticated on public.live_products
  for select to authenticated
  using ((status in ('active', 'sold_out')
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_products.session_id
                        and s.status in ('scheduled', 'live', 'ended') and not s.is_rehearsal))
         or influencer_id = (select private.current_influencer_id())
         or (select private.is_admin())
         or product_id in (select p.id from public.products p
                           where p.wholesaler_id = (select private.current_wholesaler_id()))
         or session_id in (select c.session_id from public.live_session_cohosts c
                            where c.influencer_id = (select private.current_influencer_id())));

drop policy order_items_select_authenticated on public.order_items;
create policy order_items_select_authenticated on public.order_items for select to authenticated
  using (influencer_id = (select private.current_influencer_id())
         or wholesaler_id = (select private.current_wholesaler_id())
         or (select private.is_admin())
         or order_id in (select o.id from public.orders o
                         where o.customer_id = (select private.current_customer_id()))
         or session_id in (select c.session_id from public.live_session_cohosts c
                            where c.influencer_id = (select private.current_influencer_id())));

drop policy live_stream_chat_select_authenticated on public.live_stream_chat;
create policy live_stream_chat_select_authenticated on public.live_stream_chat
  for select to authenticated
  using ((not is_hidden
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_stream_chat.session_id
                        and s.status in ('live', 'ended') and not s.is_rehearsal))
         or user_id = (select auth.uid())
         or (select private.is_admin())
         or exists (select 1 from public.live_stream_sessions s
                    where s.id = live_stream_chat.session_id
                      and s.influencer_id = (select private.current_influencer_id()))
         or session_id in (select c.session_id from public.live_session_cohosts c
                            where c.influencer_id = (select private.current_influencer_id())));

-- A host invites another influencer to co-host a scheduled or live show (public shows: a
-- verified one). Inviting again changes nothing. At most 10 co-hosts per show.
create function public.invite_cohost(p_session_id uuid, p_influencer_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
  v_guest public.influencers;
  v_row public.live_session_cohosts;
begin
  v_show := private.owned_show(p_session_id, false, 'invite co-hosts');
  perform private.require_arg(p_influencer_id, 'p_influencer_id');
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id
     for no key update;
  if v_show.status not in ('scheduled', 'live') then
    raise exception 'Cannot invite a co-host: the show is %', v_show.status
      using errcode = '55000';
  end if;
  select i.* into v_guest from public.influencers i where i.id = p_influencer_id;
  if not found then
    raise exception 'Host % not found', p_influencer_id using errcode = 'P0002';
  end if;
  if v_guest.id = v_show.influencer_id then
    raise exception 'The host of a show cannot be its co-host' using errcode = '22023';
  end if;
  if not v_show.is_rehearsal and v_guest.verification_status <> 'verified' then
    raise exception '% is not verified and cannot co-host a public show', v_guest.display_name
      using errcode = '42501';
  end if;
  select c.* into v_row from public.live_session_cohosts c
   where c.session_id = p_session_id and c.influencer_id = p_influencer_id;
  if not found then
    if (select count(*) from public.live_session_cohosts c
         where c.session_id = p_session_id) >= 10 then
      raise exception 'A show can have at most 10 co-hosts' using errcode = '54000';
    end if;
    insert into public.live_session_cohosts (session_id, influencer_id, invited_by)
    values (p_session_id, p_influencer_id, v_show.influencer_id)
    returning * into v_row;
  end if;
  return jsonb_build_object('id', v_row.id, 'session_id', v_row.session_id,
                            'influencer_id', v_row.influencer_id,
                            'display_name', v_guest.display_name,
                            'created_at', v_row.created_at);
end
$$;

-- The host removes a co-host, or a co-host leaves. True when an invitation was removed.
create function public.remove_cohost(p_session_id uuid, p_influencer_id uuid) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  v_host uuid;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  perform private.require_arg(p_influencer_id, 'p_influencer_id');
  select s.influencer_id into v_host from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  if (select private.current_influencer_id()) is distinct from v_host
     and (select private.current_influencer_id()) is distinct from p_influencer_id then
    raise exception 'Only the host of this show can remove its co-hosts' using errcode = '42501';
  end if;
  delete from public.live_session_cohosts c
   where c.session_id = p_session_id and c.influencer_id = p_influencer_id;
  return found;
end
$$;

-- The calling co-host's room code for a show they are invited to, while it is scheduled or
-- live (null until the host has opened the room).
create function public.cohost_room_code(p_session_id uuid) returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  if not exists (select 1 from public.live_session_cohosts c
                  where c.session_id = p_session_id
                    and c.influencer_id = (select private.current_influencer_id())) then
    raise exception 'You are not a co-host of this show' using errcode = '42501';
  end if;
  if v_show.status not in ('scheduled', 'live') then
    raise exception 'The show is %', v_show.status using errcode = '55000';
  end if;
  return (select r.cohost_code from private.show_rooms r
           where r.room_id = v_show.hms_room_id and r.closed_at is null);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 3. Viewer presence from 100ms's webhook
-- ---------------------------------------------------------------------------------------------
create table private.hms_webhook_events (
  event_id    text primary key check (char_length(event_id) between 1 and 200),
  event_type  text not null check (char_length(event_type) between 1 and 100),
  room_id     text,
  peer_id     text,
  session_id  uuid references public.live_stream_sessions (id) on delete set null,
  -- What the event did: joined, left, left_before_join, already_joined, already_left,
  -- not_live, unknown_room, broadcaster, ignored_type.
  outcome     text not null default 'received',
  received_at timestamptz not null default now()
);
create index hms_webhook_events_session_id_idx on private.hms_webhook_events (session_id);
create index hms_webhook_events_received_at_idx on private.hms_webhook_events (received_at);

-- Presence rows of a show's 100ms peers, looked up for every event.
revoke all on private.show_rooms, private.hms_webhook_events from anon, authenticated;

create index live_stream_viewers_session_peer_idx
  on public.live_stream_viewers (session_id, hms_peer_id) where hms_peer_id is not null;

-- A timestamp field of an event (null when absent); 22023 naming the field when malformed.
create function private.hms_event_time(p_value jsonb, p_name text) returns timestamptz
language plpgsql immutable set search_path = ''
as $$
begin
  if p_value is null or p_value in ('null'::jsonb, '""'::jsonb) then
    return null;
  end if;
  if jsonb_typeof(p_value) <> 'string' or char_length(p_value #>> '{}') > 64 then
    raise exception '% must be a timestamp', p_name using errcode = '22023';
  end if;
  begin
    return (p_value #>> '{}')::timestamptz;
  exception when others then
    raise exception '% must be a timestamp, not "%"', p_name, p_value #>> '{}'
      using errcode = '22023';
  end;
end
$$;

-- A text field of an event: null when absent or empty (100ms sends "" for a peer without a
-- user id), 22023 when not a string of at most p_max characters.
create function private.hms_event_text(p_value jsonb, p_name text, p_max integer)
returns text
language plpgsql immutable set search_path = ''
as $$
begin
  if p_value is null or p_value in ('null'::jsonb, '""'::jsonb) then
    return null;
  end if;
  if jsonb_typeof(p_value) <> 'string' or char_length(p_value #>> '{}') not between 1 and p_max
  then
    raise exception '% must be a string of 1 to % characters', p_name, p_max
      using errcode = '22023';
  end if;
  return p_value #>> '{}';
end
$$;

-- One 100ms webhook event (the JSON body 100ms posts). peer.join.success opens the peer's
-- presence row, peer.leave.success closes it (creating it closed when the leave arrives
-- first); an event already recorded is a no-op, as are other event types, rooms no show has
-- had, the host's and co-hosts' peers and 100ms's own (recording/streaming) peers. A join is
-- counted only while the show is live. Returns {"event_id", "outcome", "session_id"}.
create function public.record_hms_peer_event(p_event jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_id text;
  v_type text;
  v_data jsonb;
  v_room text;
  v_peer text;
  v_role text;
  v_user_text text;
  v_user uuid;
  v_at timestamptz;
  v_joined timestamptz;
  v_left timestamptz;
  v_session uuid;
  v_status public.session_status;
  v_row public.live_stream_viewers;
  v_outcome text;
begin
  if private.is_api_user() then
    raise exception 'Only the video service records peer events' using errcode = '42501';
  end if;
  if p_event is null or jsonb_typeof(p_event) <> 'object' then
    raise exception 'p_event must be a JSON object' using errcode = '22023';
  end if;
  if octet_length(p_event::text) > 16384 then
    raise exception 'p_event is larger than 16 kB' using errcode = '22023';
  end if;
  v_id := private.hms_event_text(p_event -> 'id', 'id', 200);
  v_type := private.hms_event_text(p_event -> 'type', 'type', 100);
  if v_id is null or v_type is null then
    raise exception 'p_event needs its id and type' using errcode = '22023';
  end if;

  if v_type not in ('peer.join.success', 'peer.leave.success') then
    insert into private.hms_webhook_events (event_id, event_type, outcome)
    values (v_id, v_type, 'ignored_type') on conflict (event_id) do nothing;
    return jsonb_build_object('event_id', v_id, 'outcome',
                              case when found then 'ignored_type' else 'replayed' end,
                              'session_id', null);
  end if;

  v_data := p_event -> 'data';
  if v_data is null or jsonb_typeof(v_data) <> 'object' then
    raise exception 'data must be a JSON object' using errcode = '22023';
  end if;
  v_room := private.hms_event_text(v_data -> 'room_id', 'data.room_id', 128);
  v_peer := private.hms_event_text(v_data -> 'peer_id', 'data.peer_id', 128);
  if v_room is null or v_peer is null then
    raise exception 'data needs room_id and peer_id' using errcode = '22023';
  end if;
  v_role := private.hms_event_text(v_data -> 'role', 'data.role', 100);
  v_user_text := private.hms_event_text(v_data -> 'user_id', 'data.user_id', 200);
  v_at := private.hms_event_time(p_event -> 'timestamp', 'timestamp');
  v_joined := coalesce(private.hms_event_time(v_data -> 'joined_at', 'data.joined_at'),
                       case when v_type = 'peer.join.success' then v_at end);
  v_left := coalesce(private.hms_event_time(v_data -> 'left_at', 'data.left_at'),
                     case when v_type = 'peer.leave.success' then v_at end);
  if v_type = 'peer.join.success' and v_joined is null then
    raise exception 'A join needs data.joined_at or timestamp' using errcode = '22023';
  end if;
  if v_type = 'peer.leave.success' and v_left is null then
    raise exception 'A leave needs data.left_at or timestamp' using errcode = '22023';
  end if;
  -- The peer's user id is ours only when it names a ShopStream account.
  if v_user_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id into v_user from auth.users u where u.id = v_user_text::uuid;
  end if;

  -- The ledger first: a replayed event (100ms retries deliveries) stops here, and concurrent
  -- deliveries of one event wait for the first.
  insert into private.hms_webhook_events (event_id, event_type, room_id, peer_id)
  values (v_id, v_type, v_room, v_peer) on conflict (event_id) do nothing;
  if not found then
    return jsonb_build_object('event_id', v_id, 'outcome', 'replayed', 'session_id',
                              (select e.session_id from private.hms_webhook_events e
                                where e.event_id = v_id));
  end if;
  -- Events of one peer one at a time (a join and its leave may arrive together).
  perform pg_advisory_xact_lock(1751474547, hashtext(v_room || '/' || v_peer));

  select r.session_id into v_session from private.show_rooms r where r.room_id = v_room;
  if not found then
    v_outcome := 'unknown_room';
  elsif v_role in ('host', 'co-host') or v_role like '\_\_%' then
    -- The show's own broadcasters and 100ms's recording/streaming bots are not its audience.
    v_outcome := 'broadcaster';
  else
    select s.status into v_status from public.live_stream_sessions s where s.id = v_session;
    select v.* into v_row from public.live_stream_viewers v
     where v.session_id = v_session and v.hms_peer_id = v_peer
     order by v.joined_at limit 1;
    if v_type = 'peer.join.success' then
      if v_row.id is not null then
        v_outcome := 'already_joined';  -- open already, or its leave came first
      elsif v_status <> 'live' then
        v_outcome := 'not_live';
      else
        -- One open row per account: a second device of the same user takes over (its joins
        -- one at a time too, or two devices would both open a row).
        if v_user is not null then
          perform pg_advisory_xact_lock(1751474547, hashtext(v_session::text || '/' || v_user));
          update public.live_stream_viewers v set left_at = greatest(v_joined, v.joined_at)
           where v.session_id = v_session and v.user_id = v_user and v.left_at is null;
        end if;
        insert into public.live_stream_viewers (session_id, user_id, hms_peer_id, joined_at)
        values (v_session, v_user, v_peer, v_joined);
        v_outcome := 'joined';
      end if;
    elsif v_row.id is not null then
      if v_row.left_at is null then
        update public.live_stream_viewers v set left_at = greatest(v_left, v.joined_at)
         where v.id = v_row.id;
        v_outcome := 'left';
      else
        v_outcome := 'already_left';
      end if;
    elsif v_status <> 'live' then
      v_outcome := 'not_live';
    else
      -- The leave arrived before its join: the visit is recorded closed, and the join, when it
      -- comes, finds it and changes nothing.
      insert into public.live_stream_viewers (session_id, user_id, hms_peer_id, joined_at,
                                              left_at)
      values (v_session, v_user, v_peer, least(coalesce(v_joined, v_left), v_left), v_left);
      v_outcome := 'left_before_join';
    end if;
  end if;

  update private.hms_webhook_events e set outcome = v_outcome, session_id = v_session
   where e.event_id = v_id;
  return jsonb_build_object('event_id', v_id, 'outcome', v_outcome, 'session_id', v_session);
end
$$;

-- Drops ledger entries older than p_older_than (service role, e.g. a nightly job; 100ms
-- retries a delivery for minutes, not days). Returns how many were dropped.
create function private.prune_hms_webhook_events(p_older_than interval) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  v_count integer;
begin
  if p_older_than is null or p_older_than < interval '1 day' then
    raise exception 'p_older_than must be at least 1 day' using errcode = '22023';
  end if;
  delete from private.hms_webhook_events e where e.received_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Who may call what
-- ---------------------------------------------------------------------------------------------
revoke execute on function
  public.record_show_room(uuid, text, jsonb), public.clear_show_room(uuid),
  public.invite_cohost(uuid, uuid), public.remove_cohost(uuid, uuid),
  public.cohost_room_code(uuid), public.record_hms_peer_event(jsonb),
  private.is_hms_token(text), private.check_room_codes(jsonb),
  private.hms_event_time(jsonb, text), private.hms_event_text(jsonb, text, integer),
  private.prune_hms_webhook_events(interval)
  from public, anon, authenticated;
grant execute on function
  public.record_show_room(uuid, text, jsonb), public.clear_show_room(uuid),
  public.invite_cohost(uuid, uuid), public.remove_cohost(uuid, uuid),
  public.cohost_room_code(uuid)
  to authenticated, service_role;
grant execute on function public.record_hms_peer_event(jsonb),
  private.prune_hms_webhook_events(interval) to service_role;
