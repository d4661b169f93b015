-- Business rules enforced by triggers: session codes, order numbers, the show lifecycle, lineup
-- integrity (ownership, allocation within wholesale stock, frozen after the show), the price audit
-- trail, live metrics (viewers, orders), goals, achievements and notifications to the host.
--
-- Lock order shared by every writer, so concurrent checkouts, refunds and show control do not
-- deadlock: live products (by id) -> wholesale products (by id) -> host (influencer) -> show ->
-- goals and achievements. Trigger functions that write rows the invoking user may not write are
-- SECURITY DEFINER with an empty search_path; none of them is callable through the API.

-- The achievement catalogue (progress of each is maintained by the triggers below).
create table private.achievement_definitions (
  key         text primary key check (key ~ '^[a-z0-9_]{2,60}$'),
  title       text not null,
  description text not null,
  metric      text not null
              check (metric in ('orders', 'units', 'revenue', 'shows', 'peak_viewers')),
  target      numeric(14, 2) not null check (target > 0)
);
insert into private.achievement_definitions (key, title, description, metric, target) values
  ('first_sale', 'First sale', 'Sell your first item in a live show.', 'orders', 1),
  ('sales_100', '100 units sold', 'Sell 100 units across your shows.', 'units', 100),
  ('revenue_1k', '$1,000 in sales', 'Reach $1,000 in live sales.', 'revenue', 1000),
  ('revenue_10k', '$10,000 in sales', 'Reach $10,000 in live sales.', 'revenue', 10000),
  ('shows_10', '10 shows hosted', 'Host 10 live shows.', 'shows', 10),
  ('peak_viewers_1k', '1,000 viewers', 'Reach 1,000 viewers watching one show at once.',
   'peak_viewers', 1000);

-- ---------------------------------------------------------------------------------------------
-- Session codes: 8 characters without look-alikes (no I, L, O, 0, 1).
-- ---------------------------------------------------------------------------------------------
create function private.assign_session_code() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  alphabet constant text := 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  code text;
begin
  loop
    select string_agg(substr(alphabet, 1 + floor(random() * length(alphabet))::integer, 1), '')
      into code from generate_series(1, 8);
    exit when not exists (select 1 from public.live_stream_sessions s where s.session_code = code);
  end loop;
  new.session_code := code;
  return new;
end
$$;
create trigger assign_session_code before insert on public.live_stream_sessions
  for each row when (new.session_code is null) execute function private.assign_session_code();

-- ---------------------------------------------------------------------------------------------
-- Order numbers: SS-YYMMDD-000123 from a sequence, unique under any concurrency.
-- ---------------------------------------------------------------------------------------------
create function private.assign_order_number() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  n text := nextval('private.order_number_seq')::text;
begin
  new.order_number := 'SS-' || to_char(now() at time zone 'UTC', 'YYMMDD') || '-'
                      || lpad(n, greatest(6, length(n)), '0');
  return new;
end
$$;
create trigger assign_order_number before insert on public.orders
  for each row when (new.order_number is null) execute function private.assign_order_number();

-- ---------------------------------------------------------------------------------------------
-- Show lifecycle: scheduled -> live -> ended, or scheduled -> cancelled. Nothing else.
-- ---------------------------------------------------------------------------------------------
create function private.guard_session_status() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if not ((old.status = 'scheduled' and new.status in ('live', 'cancelled'))
          or (old.status = 'live' and new.status = 'ended')) then
    raise exception 'A show that is % cannot become %', old.status, new.status
      using errcode = '55000',
            hint = 'Shows go scheduled -> live -> ended; only a scheduled show can be cancelled.';
  end if;
  if new.status = 'live' then
    new.actual_start := coalesce(new.actual_start, now());
  elsif new.status = 'ended' then
    new.actual_end := coalesce(new.actual_end, now());
    new.current_viewers := 0;
  end if;
  return new;
end
$$;
create trigger guard_session_status before update of status on public.live_stream_sessions
  for each row when (old.status is distinct from new.status)
  execute function private.guard_session_status();

-- When a show ends: running flash sales end now, open viewers leave, the host's show count,
-- "shows" goals and achievements move.
create function private.on_session_ended() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.live_products lp
     set flash_price = null, flash_starts_at = null, flash_ends_at = null
   where lp.session_id = new.id and lp.flash_starts_at >= now();
  update public.live_products lp
     set flash_ends_at = now()
   where lp.session_id = new.id and lp.flash_starts_at < now() and lp.flash_ends_at > now();
  update public.live_stream_viewers v
     set left_at = greatest(now(), v.joined_at)
   where v.session_id = new.id and v.left_at is null;
  update public.influencers i set total_shows = i.total_shows + 1 where i.id = new.influencer_id;
  update public.influencer_goals g
     set current_value = g.current_value + 1
   where g.influencer_id = new.influencer_id and g.goal_type = 'shows' and g.status = 'active'
     and new.actual_start::date between g.period_start and g.period_end;
  update public.influencer_achievements a
     set progress = a.progress + 1
    from private.achievement_definitions d
   where a.influencer_id = new.influencer_id and a.achievement_key = d.key
     and d.metric = 'shows' and a.unlocked_at is null;
  return null;
end
$$;
create trigger on_session_ended after update on public.live_stream_sessions
  for each row when (old.status <> 'ended' and new.status = 'ended')
  execute function private.on_session_ended();

-- ---------------------------------------------------------------------------------------------
-- Live products: owned by the show's host, allocation within the wholesaler's stock, lineup
-- frozen once the show is over, status follows the stock.
-- ---------------------------------------------------------------------------------------------
create function private.guard_live_product() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_host uuid;
  v_status public.session_status;
  v_product record;
  v_lineup_changed boolean := false;  -- inserts: RLS decides (seeds and imports add history)
begin
  if tg_op = 'INSERT' or new.session_id <> old.session_id or new.influencer_id <> old.influencer_id
  then
    select s.influencer_id, s.status into v_host, v_status
      from public.live_stream_sessions s where s.id = new.session_id;
    if found and v_host <> new.influencer_id then
      raise exception 'A live product belongs to the host of its show'
        using errcode = '42501';
    end if;
  end if;

  if tg_op = 'UPDATE' then
    v_lineup_changed :=
      (new.session_id, new.name, new.description, new.live_price, new.compare_at_price,
       new.allocated_quantity, new.position, new.product_id, new.status)
      is distinct from
      (old.session_id, old.name, old.description, old.live_price, old.compare_at_price,
       old.allocated_quantity, old.position, old.product_id, old.status)
      -- Flash windows may only be ended or cleared (that is what ending a show does).
      or ((new.flash_price, new.flash_starts_at, new.flash_ends_at)
            is distinct from (old.flash_price, old.flash_starts_at, old.flash_ends_at)
          and not (new.flash_price is null
                   or (new.flash_price = old.flash_price
                       and new.flash_starts_at = old.flash_starts_at
                       and new.flash_ends_at <= greatest(now(), old.flash_starts_at)
                       and new.flash_ends_at <= old.flash_ends_at)));
  end if;
  if v_lineup_changed then
    if exists (select 1 from public.live_stream_sessions s
                where s.id in (new.session_id, old.session_id)
                  and s.status in ('ended', 'cancelled')) then
      raise exception 'The lineup of a show that has ended or was cancelled cannot change'
        using errcode = '55000',
              hint = 'Sales figures still update; names, prices, stock and order are final.';
    end if;
  end if;

  if new.product_id is not null
     and (tg_op = 'INSERT' or new.product_id is distinct from old.product_id
          or new.allocated_quantity <> old.allocated_quantity) then
    select p.name, p.status, p.is_live_eligible, p.stock_quantity into v_product
      from public.products p where p.id = new.product_id;
    if found then
      if (tg_op = 'INSERT' or new.product_id is distinct from old.product_id)
         and (v_product.status <> 'active' or not v_product.is_live_eligible) then
        raise exception '% is not available for live selling (status %)',
                        v_product.name, v_product.status
          using errcode = '55000';
      end if;
      if new.allocated_quantity - new.sold_quantity > v_product.stock_quantity then
        raise exception 'Allocation of % units to sell exceeds the % in stock for %',
                        new.allocated_quantity - new.sold_quantity, v_product.stock_quantity,
                        v_product.name
          using errcode = '23514',
                hint = 'Lower the allocated quantity or ask the wholesaler to restock.';
      end if;
    end if;
  end if;

  if new.status = 'active' and new.sold_quantity >= new.allocated_quantity then
    new.status := 'sold_out';
  elsif new.status = 'sold_out' and new.sold_quantity < new.allocated_quantity then
    new.status := 'active';
  end if;
  return new;
end
$$;
create trigger guard_live_product before insert on public.live_products
  for each row execute function private.guard_live_product();
-- A sale or a refund moves only sold_quantity and revenue: the guard has nothing to check then,
-- unless the stock status must flip, so the hot checkout path does not call it.
create trigger guard_live_product_update before update on public.live_products
  for each row when (
    (new.session_id, new.influencer_id, new.product_id, new.name, new.description,
     new.live_price, new.compare_at_price, new.allocated_quantity, new.position, new.status,
     new.flash_price, new.flash_starts_at, new.flash_ends_at)
    is distinct from
    (old.session_id, old.influencer_id, old.product_id, old.name, old.description,
     old.live_price, old.compare_at_price, old.allocated_quantity, old.position, old.status,
     old.flash_price, old.flash_starts_at, old.flash_ends_at)
    or (new.status = 'active' and new.sold_quantity >= new.allocated_quantity)
    or (new.status = 'sold_out' and new.sold_quantity < new.allocated_quantity))
  execute function private.guard_live_product();

-- Every price change (regular, compare-at, flash window) goes to the audit trail.
create function private.audit_price_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_kind text;
begin
  if new.live_price is distinct from old.live_price then
    insert into private.price_changes
      (live_product_id, changed_by, change_kind, old_price, new_price)
    values (new.id, auth.uid(), 'live_price', old.live_price, new.live_price);
  end if;
  if new.compare_at_price is distinct from old.compare_at_price then
    insert into private.price_changes
      (live_product_id, changed_by, change_kind, old_price, new_price)
    values (new.id, auth.uid(), 'compare_at_price', old.compare_at_price, new.compare_at_price);
  end if;
  if (new.flash_price, new.flash_starts_at, new.flash_ends_at)
     is distinct from (old.flash_price, old.flash_starts_at, old.flash_ends_at) then
    v_kind := case
      when new.flash_price is null then 'flash_cancel'
      when old.flash_price is null or new.flash_starts_at <> old.flash_starts_at then 'flash_start'
      when new.flash_price = old.flash_price and new.flash_ends_at < old.flash_ends_at
           and new.flash_ends_at <= now() then 'flash_cancel'
      else 'flash_update' end;
    insert into private.price_changes (live_product_id, changed_by, change_kind, old_price,
                                       new_price, flash_starts_at, flash_ends_at)
    values (new.id, auth.uid(), v_kind,
            case v_kind when 'flash_start' then new.live_price else old.flash_price end,
            case v_kind when 'flash_cancel' then new.live_price else new.flash_price end,
            coalesce(new.flash_starts_at, old.flash_starts_at),
            coalesce(new.flash_ends_at, old.flash_ends_at));
  end if;
  return null;
end
$$;
create trigger audit_price_change after update on public.live_products
  for each row when (
    (old.live_price, old.compare_at_price, old.flash_price, old.flash_starts_at, old.flash_ends_at)
    is distinct from
    (new.live_price, new.compare_at_price, new.flash_price, new.flash_starts_at, new.flash_ends_at))
  execute function private.audit_price_change();

create function private.notify_sold_out() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.influencer_notifications (influencer_id, type, title, body, data)
  values (new.influencer_id, 'sold_out', 'Sold out: ' || new.name,
          format('All %s units sold.', new.allocated_quantity),
          jsonb_build_object('live_product_id', new.id, 'session_id', new.session_id,
                             'sold_quantity', new.sold_quantity));
  return null;
end
$$;
create trigger notify_sold_out after update on public.live_products
  for each row when (old.status <> 'sold_out' and new.status = 'sold_out')
  execute function private.notify_sold_out();

-- ---------------------------------------------------------------------------------------------
-- Viewer metrics: current, peak and unique viewers of a show (statement-level, so a burst of
-- joins costs one update of the show). Shows are locked first so concurrent joins count right.
-- ---------------------------------------------------------------------------------------------
create function private.on_viewers_joined() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform 1 from public.live_stream_sessions s
    where s.id in (select n.session_id from new_viewers n) order by s.id for no key update;

  with joined as (
    select n.session_id, n.left_at, n.joined_at,
           coalesce(n.user_id::text, n.hms_peer_id, n.id::text) as who,
           not exists (
             select 1 from public.live_stream_viewers v
              where v.session_id = n.session_id
                and not exists (select 1 from new_viewers x where x.id = v.id)
                and ((n.user_id is not null and v.user_id = n.user_id)
                     or (n.user_id is null and v.hms_peer_id = n.hms_peer_id))) as is_new
      from new_viewers n
  ), per_session as (
    select j.session_id, count(*) filter (where j.left_at is null) as opened,
           count(distinct j.who) filter (where j.is_new) as newcomers
      from joined j group by j.session_id
  ), firsts as (
    select j.session_id, j.who, min(j.joined_at)::date as day
      from joined j where j.is_new group by j.session_id, j.who
  ), shows as (
    update public.live_stream_sessions s
       set current_viewers = s.current_viewers + p.opened,
           peak_viewers = greatest(s.peak_viewers, s.current_viewers + p.opened),
           unique_viewers = s.unique_viewers + p.newcomers
      from per_session p
     where s.id = p.session_id
    returning s.influencer_id, s.peak_viewers
  ), peaks as (
    update public.influencer_achievements a
       set progress = x.peak
      from (select sh.influencer_id, max(sh.peak_viewers) as peak from shows sh group by 1) x,
           private.achievement_definitions d
     where a.influencer_id = x.influencer_id and a.achievement_key = d.key
       and d.metric = 'peak_viewers' and a.unlocked_at is null and a.progress < x.peak
  )
  update public.influencer_goals g
     set current_value = g.current_value + x.n
    from (select g2.id, count(*) as n
            from firsts f
            join public.live_stream_sessions s on s.id = f.session_id
            join public.influencer_goals g2
              on g2.influencer_id = s.influencer_id and g2.goal_type = 'viewers'
             and g2.status = 'active' and f.day between g2.period_start and g2.period_end
           group by g2.id) x
   where g.id = x.id;
  return null;
end
$$;
create trigger on_viewers_joined after insert on public.live_stream_viewers
  referencing new table as new_viewers
  for each statement execute function private.on_viewers_joined();

-- Leaving (left_at set), re-opening or deleting a viewer row moves the current count.
create function private.on_viewers_updated() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  with delta as (
    select d.session_id, sum(d.n) as n
      from (select n.session_id, 1 as n from new_viewers n where n.left_at is null
            union all
            select o.session_id, -1 from old_viewers o where o.left_at is null) d
     group by d.session_id having sum(d.n) <> 0
  )
  update public.live_stream_sessions s
     set current_viewers = greatest(s.current_viewers + delta.n, 0),
         peak_viewers = greatest(s.peak_viewers, s.current_viewers + delta.n)
    from delta where s.id = delta.session_id;
  return null;
end
$$;
create trigger on_viewers_updated after update on public.live_stream_viewers
  referencing old table as old_viewers new table as new_viewers
  for each statement execute function private.on_viewers_updated();

create function private.on_viewers_deleted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.live_stream_sessions s
     set current_viewers = greatest(s.current_viewers - gone.n, 0)
    from (select o.session_id, count(*) as n from old_viewers o
           where o.left_at is null group by o.session_id) gone
   where s.id = gone.session_id;
  return null;
end
$$;
create trigger on_viewers_deleted after delete on public.live_stream_viewers
  referencing old table as old_viewers
  for each statement execute function private.on_viewers_deleted();

-- ---------------------------------------------------------------------------------------------
-- Sales metrics. apply_sales(lines, +1) records sold order lines; refunds and failed payments
-- call it with -1. It moves the hosts' total sales, the shows' order, unit and revenue totals,
-- active goals and locked achievements. notify_orders(lines) tells the host about each order
-- placed during a live show. A live product's own counters (sold_quantity, revenue) are written
-- with its stock, in the same statement that reserves or returns it (checkout, refunds).
--
-- checkout() calls both itself: it writes its lines before it reserves stock, and records the
-- sales on the host, show, goal and achievement rows (shared by every buyer of the show) last,
-- right before commit, so those rows stay locked as briefly as possible. While it inserts its
-- lines it sets shopstream.checkout_records_sales, and the insert trigger stands aside; every
-- other writer of order_items (the seed, imports, administrators) goes through the trigger.
-- ---------------------------------------------------------------------------------------------
-- The lines, commissions and notifications of an order point at rows that every buyer of a show
-- shares: the live product, the show, the host, the wholesaler and the wholesale product. Checked
-- at once, each reference takes a key-share lock on a row that another buyer is holding for
-- update, and PostgreSQL then records every such locker in a multixact, rebuilt on each sale.
-- Checked at commit instead, after checkout has locked those rows itself (it reserves the stock
-- and records the sales on them last), the checks neither wait nor build multixacts. They still
-- run in the same transaction: a reference to a missing row still fails and writes nothing.
alter table public.order_items
  alter constraint order_items_live_product_id_fkey deferrable initially deferred,
  alter constraint order_items_product_id_fkey deferrable initially deferred,
  alter constraint order_items_session_id_fkey deferrable initially deferred,
  alter constraint order_items_influencer_id_fkey deferrable initially deferred,
  alter constraint order_items_wholesaler_id_fkey deferrable initially deferred;
alter table public.influencer_earnings
  alter constraint influencer_earnings_session_id_fkey deferrable initially deferred,
  alter constraint influencer_earnings_influencer_id_fkey deferrable initially deferred;
alter table public.influencer_notifications
  alter constraint influencer_notifications_influencer_id_fkey deferrable initially deferred;

create function private.apply_sales(p_lines public.order_items[], p_sign integer) returns void
language plpgsql security definer set search_path = ''
-- One plan per session instead of one per call. Every statement reaches the rows it updates by
-- key (one host or one show at a time), so these plans stay index lookups at any table size.
set plan_cache_mode = force_generic_plan
as $$
declare
  r record;
  a_host uuid[];
  a_orders bigint[];
  a_units bigint[];
  a_revenue numeric[];
begin
  select array_agg(h.id order by h.id), array_agg(h.orders order by h.id),
         array_agg(h.units order by h.id), array_agg(h.revenue order by h.id)
    into a_host, a_orders, a_units, a_revenue
    from (select l.influencer_id as id, count(distinct l.order_id) as orders,
                 sum(l.quantity) as units, sum(l.line_total) as revenue
            from unnest(p_lines) l where l.influencer_id is not null
           group by l.influencer_id) h;

  -- The hosts first (lock order), then the shows; goals and achievements after both.
  for k in 1 .. coalesce(array_length(a_host, 1), 0) loop
    update public.influencers i
       set total_sales = greatest(i.total_sales + p_sign * a_revenue[k], 0)
     where i.id = a_host[k];
  end loop;

  for r in
    select l.session_id as id, count(distinct l.order_id) as orders, sum(l.quantity) as units,
           sum(l.line_total) as revenue
      from unnest(p_lines) l where l.session_id is not null
     group by l.session_id order by l.session_id
  loop
    update public.live_stream_sessions s
       set total_orders = greatest(s.total_orders + p_sign * r.orders, 0),
           total_units = greatest(s.total_units + p_sign * r.units, 0),
           total_revenue = greatest(s.total_revenue + p_sign * r.revenue, 0)
     where s.id = r.id;
  end loop;

  for k in 1 .. coalesce(array_length(a_host, 1), 0) loop
    with goals as (
      update public.influencer_goals g
         set current_value = greatest(g.current_value + p_sign * a.delta, 0)
        from (select g2.id,
                     case g2.goal_type when 'revenue' then sum(l.line_total)
                                       when 'units' then sum(l.quantity)
                                       else count(distinct l.order_id) end as delta
                from public.influencer_goals g2
                join unnest(p_lines) l
                  on l.influencer_id = g2.influencer_id
                 and l.created_at::date between g2.period_start and g2.period_end
               where g2.influencer_id = a_host[k] and g2.status = 'active'
                 and g2.goal_type in ('revenue', 'orders', 'units')
               group by g2.id, g2.goal_type) a
       where g.id = a.id
    )
    update public.influencer_achievements ach
       set progress = greatest(ach.progress + p_sign * case d.metric
                                                        when 'orders' then a_orders[k]
                                                        when 'units' then a_units[k]
                                                        else a_revenue[k] end, 0)
      from private.achievement_definitions d
     where ach.influencer_id = a_host[k] and ach.achievement_key = d.key
       and d.metric in ('orders', 'units', 'revenue') and ach.unlocked_at is null;
  end loop;
end
$$;

-- One notification per order and host for the lines sold during a live show.
create function private.notify_orders(p_lines public.order_items[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.influencer_notifications (influencer_id, type, title, body, data)
  select l.influencer_id, 'order',
         'New order: ' || string_agg(l.quantity || ' x ' || l.product_name, ', '
                                     order by l.product_name),
         format('%s %s during %s', o.currency, sum(l.line_total), s.title),
         jsonb_build_object('order_id', l.order_id, 'session_id', l.session_id,
                            'order_item_ids', jsonb_agg(l.id order by l.id),
                            'units', sum(l.quantity), 'amount', sum(l.line_total))
    from unnest(p_lines) l
    join public.orders o on o.id = l.order_id
    join public.live_stream_sessions s on s.id = l.session_id and s.status = 'live'
   where l.influencer_id is not null
   group by l.order_id, l.influencer_id, l.session_id, o.currency, s.title;
end
$$;

create function private.on_order_items_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_lines public.order_items[] := array(select n from new_items n);
begin
  perform private.apply_sales(v_lines, 1);
  perform private.notify_orders(v_lines);
  return null;
end
$$;
create trigger on_order_items_inserted after insert on public.order_items
  referencing new table as new_items
  for each statement
  when (pg_catalog.current_setting('shopstream.checkout_records_sales', true)
        is distinct from 'on')
  execute function private.on_order_items_inserted();

-- ---------------------------------------------------------------------------------------------
-- Goals: the value of a goal over its period, computed from the sources (also used by the
-- goal_progress read model); a goal created mid-period starts from what already happened.
-- ---------------------------------------------------------------------------------------------
create function private.goal_actual(
  p_influencer_id uuid, p_type public.goal_type, p_from date, p_to date
) returns numeric
language plpgsql stable set search_path = ''
as $$
declare
  v_from timestamptz := p_from::timestamptz;
  v_to timestamptz := (p_to + 1)::timestamptz;
  v_result numeric;
begin
  if p_type in ('revenue', 'orders', 'units') then
    select case p_type when 'revenue' then coalesce(sum(oi.line_total), 0)
                       when 'units' then coalesce(sum(oi.quantity), 0)
                       else count(distinct oi.order_id) end
      into v_result
      from public.order_items oi
      join public.orders o on o.id = oi.order_id
     where oi.influencer_id = p_influencer_id and oi.created_at >= v_from
       and oi.created_at < v_to and not oi.is_refunded
       and o.status not in ('cancelled', 'refunded');
  elsif p_type = 'viewers' then
    select count(*) into v_result
      from (select min(v.joined_at) as first_join
              from public.live_stream_viewers v
              join public.live_stream_sessions s on s.id = v.session_id
             where s.influencer_id = p_influencer_id
             group by v.session_id, coalesce(v.user_id::text, v.hms_peer_id, v.id::text)) f
     where f.first_join >= v_from and f.first_join < v_to;
  else
    select count(*) into v_result from public.live_stream_sessions s
     where s.influencer_id = p_influencer_id and s.status = 'ended'
       and s.actual_start >= v_from and s.actual_start < v_to;
  end if;
  return v_result;
end
$$;

create function private.goal_before_write() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.current_value = 0
     or tg_op = 'UPDATE' and (new.influencer_id, new.goal_type, new.period_start, new.period_end)
                             is distinct from
                             (old.influencer_id, old.goal_type, old.period_start, old.period_end)
  then
    new.current_value := private.goal_actual(new.influencer_id, new.goal_type, new.period_start,
                                             new.period_end);
  end if;
  if new.status = 'active' and new.current_value >= new.target_value then
    new.status := 'achieved';
    new.achieved_at := coalesce(new.achieved_at, now());
  end if;
  return new;
end
$$;
create trigger goal_before_insert before insert on public.influencer_goals
  for each row execute function private.goal_before_write();
create trigger goal_before_update before update on public.influencer_goals
  for each row when (
    new.status = 'active' and new.current_value >= new.target_value
    or (new.influencer_id, new.goal_type, new.period_start, new.period_end)
       is distinct from (old.influencer_id, old.goal_type, old.period_start, old.period_end))
  execute function private.goal_before_write();

create function private.notify_goal_reached() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.influencer_notifications (influencer_id, type, title, body, data)
  values (new.influencer_id, 'goal_reached', 'Goal reached: ' || new.title,
          format('%s of %s (%s goal, %s to %s).', new.current_value, new.target_value,
                 new.period, new.period_start, new.period_end),
          jsonb_build_object('goal_id', new.id, 'goal_type', new.goal_type,
                             'target_value', new.target_value,
                             'current_value', new.current_value));
  return null;
end
$$;
create trigger notify_goal_reached after update on public.influencer_goals
  for each row when (old.status <> 'achieved' and new.status = 'achieved')
  execute function private.notify_goal_reached();

-- ---------------------------------------------------------------------------------------------
-- Achievements: a fixed catalogue; every host gets every achievement (locked, progress 0) when
-- their profile is created, and triggers above move the progress.
-- ---------------------------------------------------------------------------------------------
create function private.achievement_before_write() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.unlocked_at := coalesce(new.unlocked_at, now());
  return new;
end
$$;
create trigger achievement_before_insert before insert on public.influencer_achievements
  for each row when (new.unlocked_at is null and new.progress >= new.target)
  execute function private.achievement_before_write();
create trigger achievement_before_update before update on public.influencer_achievements
  for each row when (new.unlocked_at is null and new.progress >= new.target)
  execute function private.achievement_before_write();

create function private.notify_achievement() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.influencer_notifications (influencer_id, type, title, body, data)
  values (new.influencer_id, 'achievement', 'Achievement unlocked: ' || new.title,
          new.description,
          jsonb_build_object('achievement_id', new.id, 'achievement_key', new.achievement_key));
  return null;
end
$$;
create trigger notify_achievement after update on public.influencer_achievements
  for each row when (old.unlocked_at is null and new.unlocked_at is not null)
  execute function private.notify_achievement();

-- The value of an achievement's metric over the host's whole history (backfill).
create function private.achievement_actual(p_influencer_id uuid, p_metric text) returns numeric
language sql stable set search_path = ''
as $$
  select case p_metric
    when 'shows' then (select count(*) from public.live_stream_sessions s
                        where s.influencer_id = p_influencer_id and s.status = 'ended')
    when 'peak_viewers' then (select coalesce(max(s.peak_viewers), 0)
                                from public.live_stream_sessions s
                               where s.influencer_id = p_influencer_id)
    else (select case p_metric when 'orders' then count(distinct oi.order_id)
                               when 'units' then coalesce(sum(oi.quantity), 0)
                               else coalesce(sum(oi.line_total), 0) end
            from public.order_items oi join public.orders o on o.id = oi.order_id
           where oi.influencer_id = p_influencer_id and not oi.is_refunded
             and o.status not in ('cancelled', 'refunded'))
  end
$$;

create function private.grant_achievements() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.influencer_achievements
    (influencer_id, achievement_key, title, description, target, progress)
  select new.id, d.key, d.title, d.description, d.target,
         private.achievement_actual(new.id, d.metric)
    from private.achievement_definitions d
  on conflict (influencer_id, achievement_key) do nothing;
  return null;
end
$$;
create trigger grant_achievements after insert on public.influencers
  for each row execute function private.grant_achievements();

insert into public.influencer_achievements
  (influencer_id, achievement_key, title, description, target, progress)
select i.id, d.key, d.title, d.description, d.target, private.achievement_actual(i.id, d.metric)
  from public.influencers i cross join private.achievement_definitions d
on conflict (influencer_id, achievement_key) do nothing;

-- None of these functions is part of the API.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'private'::regnamespace
       and p.proname in ('assign_session_code', 'assign_order_number', 'guard_session_status',
                         'on_session_ended', 'guard_live_product', 'audit_price_change',
                         'notify_sold_out', 'on_viewers_joined', 'on_viewers_updated',
                         'on_viewers_deleted', 'apply_sales', 'notify_orders',
                         'on_order_items_inserted',
                         'goal_actual', 'goal_before_write', 'notify_goal_reached',
                         'achievement_before_write', 'notify_achievement', 'achievement_actual',
                         'grant_achievements')
  loop
    execute format('revoke execute on function %s from public', f);
  end loop;
end
$$;
