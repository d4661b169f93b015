-- The RPC API (PostgREST `rpc/<name>`): checkout, show control, flash sales, the payment
-- provider's webhook and the studio's read models. Every function checks its caller through
-- auth.uid(), validates every argument (SQLSTATE 22023 naming the field) and raises standard
-- SQLSTATEs with a human message: 42501 not allowed, P0002 not found, 55000 wrong state,
-- 23514 sold out. An error writes nothing.

-- ---------------------------------------------------------------------------------------------
-- Prices. A flash sale is a window [flash_starts_at, flash_ends_at): the price reverts on time
-- with nobody calling anything.
-- ---------------------------------------------------------------------------------------------
create function private.effective_price_at(p_item public.live_products, p_at timestamptz)
returns numeric
language sql immutable set search_path = ''
as $$
  select case when p_item.flash_price is not null and p_at >= p_item.flash_starts_at
                   and p_at < p_item.flash_ends_at
              then p_item.flash_price else p_item.live_price end
$$;

-- PostgREST computed column: `select=*,effective_price` on live_products.
create function public.effective_price(p_item public.live_products) returns numeric
language sql stable set search_path = ''
as $$
  select case when p_item.flash_price is not null and now() >= p_item.flash_starts_at
                   and now() < p_item.flash_ends_at
              then p_item.flash_price else p_item.live_price end
$$;

-- Raises 42501 unless the caller hosts the show (or, when allowed, is an admin).
create function private.require_host(p_influencer_id uuid, p_admin_ok boolean, p_what text)
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_influencer_id is distinct from (select private.current_influencer_id())
     and not (p_admin_ok and (select private.is_admin())) then
    raise exception 'Only the host of this show can %', p_what using errcode = '42501';
  end if;
end
$$;

create function private.require_arg(p_value anyelement, p_name text) returns void
language plpgsql immutable set search_path = ''
as $$
begin
  if p_value is null then
    raise exception '% is required', p_name using errcode = '22023';
  end if;
end
$$;

-- The show `p_session_id`, once the caller is known to be its host (or an admin, when allowed):
-- the shared preamble of the show-control functions.
create function private.owned_show(p_session_id uuid, p_admin_ok boolean, p_what text)
returns public.live_stream_sessions
language plpgsql stable set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  perform private.require_host(v_show.influencer_id, p_admin_ok, p_what);
  return v_show;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Checkout
-- ---------------------------------------------------------------------------------------------
create function private.order_summary(p_order_id uuid, p_replayed boolean) returns jsonb
language sql stable set search_path = ''
as $$
  select jsonb_build_object(
    'order_id', o.id, 'order_number', o.order_number, 'status', o.status,
    'payment_status', o.payment_status, 'currency', o.currency, 'subtotal', o.subtotal,
    'discount_amount', o.discount_amount, 'tax_amount', o.tax_amount,
    'shipping_amount', o.shipping_amount, 'total_amount', o.total_amount,
    'placed_at', o.placed_at, 'replayed', p_replayed,
    'items', (select jsonb_agg(jsonb_build_object(
                'id', oi.id, 'product_id', oi.product_id, 'live_product_id', oi.live_product_id,
                'product_name', oi.product_name, 'sku', oi.sku, 'quantity', oi.quantity,
                'list_unit_price', oi.list_unit_price, 'unit_price', oi.unit_price,
                'is_flash_price', oi.is_flash_price, 'line_total', oi.line_total)
                order by coalesce(oi.live_product_id, oi.product_id))
                from public.order_items oi where oi.order_id = o.id))
  from public.orders o where o.id = p_order_id
$$;

-- The order is written in two phases. First everything that only this buyer touches: the
-- idempotency key, the cart (locked), the order, its lines, the host's commission and the "new
-- order" notification. Then the rows every buyer of the show shares, in the lock order of the
-- schema (live products by id, wholesale products by id, host, show, goals, achievements), as
-- the very last statements before commit: the hot live product is locked for a few updates.
-- Sold out is decided there, atomically, by the reserving update itself; if it fails, the error
-- undoes the whole order.
create function public.checkout(
  p_idempotency_key uuid, p_shipping_address jsonb default null, p_notes text default null
) returns jsonb
language plpgsql security definer set search_path = ''
-- Every statement below finds its rows by key: one generic plan per session serves every call
-- (without this, the planner keeps re-planning some of them on each call).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_customer public.customers;
  v_address jsonb;
  v_field text;
  v_order_id uuid := gen_random_uuid();
  v_order_number text;
  v_existing uuid;
  r record;
  v_line public.order_items;
  -- The order's lines in lock order (live products by id, then wholesale products by id) and,
  -- per line, its cart row and the wholesale product whose stock it takes (with how many and
  -- under what name).
  v_lines public.order_items[] := '{}';
  a_cart uuid[] := '{}';
  a_source uuid[] := '{}';
  a_qty integer[] := '{}';
  a_name text[] := '{}';
  a_stock_id uuid[];
  a_stock_qty integer[];
  a_stock_name text[];
  v_items jsonb := '[]';
  v_live integer := 0;
  v_left integer;
  v_bought integer;
  v_show_status public.session_status;
  v_tax_rate numeric;
  v_flat_shipping numeric;
  v_free_shipping numeric;
  v_subtotal numeric := 0;
  v_discount numeric := 0;
  v_tax numeric;
  v_shipping numeric;
  v_ignored text;
begin
  select c.* into v_customer from public.customers c where c.user_id = (select auth.uid());
  if not found then
    raise exception 'Only customers can check out' using errcode = '42501';
  end if;
  if p_idempotency_key is null then
    raise exception 'p_idempotency_key is required' using errcode = '22023';
  end if;
  if p_shipping_address is not null and jsonb_typeof(p_shipping_address) <> 'object' then
    raise exception 'p_shipping_address must be a JSON object, not a JSON %',
                    jsonb_typeof(p_shipping_address) using errcode = '22023';
  end if;
  v_address := coalesce(p_shipping_address, v_customer.shipping_address);
  if v_address is null then
    raise exception 'p_shipping_address is required (no saved shipping address)'
      using errcode = '22023';
  end if;
  foreach v_field in array array['line1', 'city', 'country'] loop
    if jsonb_typeof(v_address -> v_field) is distinct from 'string'
       or btrim(v_address ->> v_field) = '' then
      raise exception 'p_shipping_address.% is required (a non-empty string)', v_field
        using errcode = '22023';
    end if;
  end loop;
  if length(v_address::text) > 2000 then
    raise exception 'p_shipping_address is too large' using errcode = '22023';
  end if;
  if char_length(p_notes) > 1000 then
    raise exception 'p_notes must be at most 1000 characters' using errcode = '22023';
  end if;

  -- Idempotency: a second request with the same key waits here for the first to commit, then
  -- returns its order.
  insert into private.checkout_requests (customer_id, idempotency_key)
  values (v_customer.id, p_idempotency_key) on conflict do nothing;
  if not found then
    select cr.order_id into v_existing from private.checkout_requests cr
     where cr.customer_id = v_customer.id and cr.idempotency_key = p_idempotency_key;
    return private.order_summary(v_existing, true);
  end if;

  -- Lock the cart (one checkout per customer at a time), validate and price every line. A live
  -- line is priced at its effective price now (private.effective_price_at, inlined here).
  for r in
    select c.id as cart_id, c.quantity, c.product_id, c.live_product_id,
           lp.name as live_name, lp.status as live_status, lp.live_price,
           lp.allocated_quantity, lp.sold_quantity, lp.max_per_buyer, lp.session_id,
           lp.influencer_id,
           case when lp.flash_price is not null and now() >= lp.flash_starts_at
                     and now() < lp.flash_ends_at
                then lp.flash_price else lp.live_price end as live_unit_price,
           s.status as show_status, i.commission_rate,
           p.id as source_id, p.sku, p.name as product_name, p.status as product_status,
           p.retail_price, p.min_order_quantity, p.wholesaler_id,
           cs.tax_rate, cs.flat_shipping, cs.free_shipping_threshold
      from public.cart c
      cross join private.commerce_settings cs
      left join public.live_products lp on lp.id = c.live_product_id
      left join public.live_stream_sessions s on s.id = lp.session_id
      left join public.influencers i on i.id = lp.influencer_id
      left join public.products p on p.id = coalesce(c.product_id, lp.product_id)
     where c.customer_id = v_customer.id
     order by c.live_product_id nulls last, c.product_id
       for update of c
  loop
    v_line.id := gen_random_uuid();
    v_line.order_id := v_order_id;
    v_line.wholesaler_id := r.wholesaler_id;
    v_line.sku := r.sku;
    v_line.quantity := r.quantity;
    v_line.is_refunded := false;
    v_line.created_at := now();
    v_line.updated_at := now();
    if r.live_product_id is not null then
      if r.show_status <> 'live' then
        raise exception '% can only be bought during its live show (the show is %)',
                        r.live_name, r.show_status using errcode = '55000';
      end if;
      if r.live_status in ('draft', 'hidden') then
        raise exception '% is not on sale', r.live_name using errcode = '55000';
      end if;
      v_left := greatest(r.allocated_quantity - r.sold_quantity, 0);
      if r.live_status = 'sold_out' or r.quantity > v_left then
        raise exception 'Sold out: % (% left)', r.live_name, v_left using errcode = '23514';
      end if;
      if r.max_per_buyer is not null then
        select coalesce(sum(oi.quantity), 0) into v_bought
          from public.orders o join public.order_items oi on oi.order_id = o.id
         where o.customer_id = v_customer.id and oi.live_product_id = r.live_product_id
           and o.status not in ('cancelled', 'refunded');
        if v_bought + r.quantity > r.max_per_buyer then
          raise exception 'Limit of % per buyer: % (you already have %)',
                          r.max_per_buyer, r.live_name, v_bought
            using errcode = '23514';
        end if;
      end if;
      v_live := v_live + 1;
      v_line.product_id := null;
      v_line.live_product_id := r.live_product_id;
      v_line.session_id := r.session_id;
      v_line.influencer_id := r.influencer_id;
      v_line.product_name := r.live_name;
      v_line.list_unit_price := r.live_price;
      v_line.unit_price := r.live_unit_price;
      v_line.commission_rate := coalesce(r.commission_rate, 0);
    else
      if r.product_status <> 'active' then
        raise exception '% is no longer available', r.product_name using errcode = '55000';
      end if;
      if r.quantity < r.min_order_quantity then
        raise exception '% has a minimum order quantity of %', r.product_name,
                        r.min_order_quantity using errcode = '22023';
      end if;
      v_line.product_id := r.product_id;
      v_line.live_product_id := null;
      v_line.session_id := null;
      v_line.influencer_id := null;
      v_line.product_name := r.product_name;
      v_line.list_unit_price := r.retail_price;
      v_line.unit_price := r.retail_price;
      v_line.commission_rate := 0;
    end if;
    v_line.is_flash_price := v_line.unit_price < v_line.list_unit_price;
    v_line.line_total := v_line.unit_price * r.quantity;
    v_line.commission_amount := round(v_line.line_total * v_line.commission_rate, 2);
    v_lines := v_lines || v_line;
    a_cart := a_cart || r.cart_id;
    a_source := a_source || r.source_id;
    a_qty := a_qty || r.quantity;
    a_name := a_name || v_line.product_name;
    v_subtotal := v_subtotal + v_line.list_unit_price * r.quantity;
    v_discount := v_discount + (v_line.list_unit_price - v_line.unit_price) * r.quantity;
    v_items := v_items || jsonb_build_object(
      'id', v_line.id, 'product_id', v_line.product_id,
      'live_product_id', v_line.live_product_id, 'product_name', v_line.product_name,
      'sku', v_line.sku, 'quantity', v_line.quantity,
      'list_unit_price', v_line.list_unit_price, 'unit_price', v_line.unit_price,
      'is_flash_price', v_line.is_flash_price, 'line_total', v_line.line_total);
    v_tax_rate := r.tax_rate;
    v_flat_shipping := r.flat_shipping;
    v_free_shipping := r.free_shipping_threshold;
  end loop;
  if a_cart = '{}' then
    raise exception 'The cart is empty' using errcode = '22023';
  end if;

  v_tax := round((v_subtotal - v_discount) * v_tax_rate, 2);
  v_shipping := case when v_subtotal - v_discount >= v_free_shipping then 0.00
                     else v_flat_shipping end;
  -- Wholesale stock to take (direct purchases and the sources of live lines), in id order.
  select array_agg(t.id order by t.id), array_agg(t.q order by t.id),
         array_agg(t.name order by t.id)
    into a_stock_id, a_stock_qty, a_stock_name
    from (select x.id, sum(x.q)::integer as q, min(x.name) as name
            from unnest(a_source, a_qty, a_name) as x(id, q, name)
           where x.id is not null group by x.id) t;

  -- Phase 1: this buyer's rows. The order, its lines and the commission on each live line
  -- (written by the database only), the key now pointing at the order, the cart emptied.
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', 'on', true);
  with placed as (
    insert into public.orders (id, customer_id, subtotal, discount_amount, tax_amount,
                               shipping_amount, total_amount, shipping_address, contact_email,
                               notes)
    values (v_order_id, v_customer.id, v_subtotal, v_discount, v_tax, v_shipping,
            v_subtotal - v_discount + v_tax + v_shipping, v_address,
            coalesce(v_customer.email, (select u.email from auth.users u
                                         where u.id = v_customer.user_id)),
            nullif(btrim(p_notes), ''))
    returning order_number
  ), lines as (
    insert into public.order_items
      (id, order_id, product_id, live_product_id, session_id, influencer_id, wholesaler_id,
       product_name, sku, list_unit_price, unit_price, is_flash_price, quantity, line_total,
       commission_rate, commission_amount, is_refunded, created_at, updated_at)
    select l.id, l.order_id, l.product_id, l.live_product_id, l.session_id, l.influencer_id,
           l.wholesaler_id, l.product_name, l.sku, l.list_unit_price, l.unit_price,
           l.is_flash_price, l.quantity, l.line_total, l.commission_rate, l.commission_amount,
           l.is_refunded, l.created_at, l.updated_at
      from unnest(v_lines) l
  ), commission as (
    insert into public.influencer_earnings
      (influencer_id, order_id, order_item_id, session_id, gross_amount, commission_rate, amount)
    select l.influencer_id, l.order_id, l.id, l.session_id, l.line_total, l.commission_rate,
           l.commission_amount
      from unnest(v_lines) l where l.influencer_id is not null
  ), request as (
    update private.checkout_requests cr set order_id = v_order_id
     where cr.customer_id = v_customer.id and cr.idempotency_key = p_idempotency_key
  ), emptied as (
    delete from public.cart c where c.id = any(a_cart)
  )
  select placed.order_number into v_order_number from placed;
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', '', true);
  if v_live > 0 then
    perform private.notify_orders(v_lines);
  end if;

  -- Phase 2: the shared rows, last. Buyers of one live product queue on a transaction advisory
  -- lock (namespace 1818455141 = live product reservations), which hands the product over to
  -- one waiter at a time instead of waking every waiter on each commit; the update re-checks
  -- stock and show on the latest row, so stock can never be oversold.
  for k in 1 .. v_live loop
    v_line := v_lines[k];
    perform pg_advisory_xact_lock(1818455141, hashtext(v_line.live_product_id::text));
    update public.live_products lp
       set sold_quantity = lp.sold_quantity + v_line.quantity,
           revenue = lp.revenue + v_line.line_total
     where lp.id = v_line.live_product_id and lp.status = 'active'
       and lp.sold_quantity + v_line.quantity <= lp.allocated_quantity
       and exists (select 1 from public.live_stream_sessions s
                    where s.id = lp.session_id and s.status = 'live');
    if not found then
      select greatest(lp.allocated_quantity - lp.sold_quantity, 0), s.status
        into v_left, v_show_status
        from public.live_products lp join public.live_stream_sessions s on s.id = lp.session_id
       where lp.id = v_line.live_product_id;
      if v_show_status <> 'live' then
        raise exception '% can only be bought during its live show (the show is %)',
                        v_line.product_name, v_show_status using errcode = '55000';
      end if;
      raise exception 'Sold out: % (% left)', v_line.product_name, v_left
        using errcode = '23514';
    end if;
  end loop;
  for k in 1 .. coalesce(array_length(a_stock_id, 1), 0) loop
    update public.products p set stock_quantity = p.stock_quantity - a_stock_qty[k]
     where p.id = a_stock_id[k] and p.stock_quantity >= a_stock_qty[k];
    if not found then
      select p.stock_quantity into v_left from public.products p where p.id = a_stock_id[k];
      raise exception 'Sold out: % (% left)', a_stock_name[k], v_left using errcode = '23514';
    end if;
  end loop;
  if v_live > 0 then
    perform private.apply_sales(v_lines, 1);  -- host, show, goals, achievements
  end if;

  return jsonb_build_object(
    'order_id', v_order_id, 'order_number', v_order_number, 'status', 'pending',
    'payment_status', 'pending', 'currency', 'USD', 'subtotal', v_subtotal,
    'discount_amount', v_discount, 'tax_amount', v_tax, 'shipping_amount', v_shipping,
    'total_amount', v_subtotal - v_discount + v_tax + v_shipping, 'placed_at', now(),
    'replayed', false, 'items', v_items);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Show control
-- ---------------------------------------------------------------------------------------------
create function private.show_state(p_session_id uuid) returns jsonb
language sql stable set search_path = ''
as $$
  select jsonb_build_object(
    'session_id', s.id, 'status', s.status, 'session_code', s.session_code,
    'actual_start', s.actual_start, 'actual_end', s.actual_end,
    'featured_live_product_id', s.featured_live_product_id,
    'current_viewers', s.current_viewers, 'peak_viewers', s.peak_viewers,
    'unique_viewers', s.unique_viewers, 'total_orders', s.total_orders,
    'total_units', s.total_units, 'total_revenue', s.total_revenue)
  from public.live_stream_sessions s where s.id = p_session_id
$$;

create function public.start_show(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, true, 'start it');
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id for update;
  if v_show.status <> 'scheduled' then
    raise exception 'Cannot start the show: it is already %', v_show.status
      using errcode = '55000', hint = 'Only a scheduled show can go live.';
  end if;
  update public.live_stream_sessions s set status = 'live', actual_start = now()
   where s.id = p_session_id;
  return private.show_state(p_session_id);
end
$$;

create function public.end_show(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, true, 'end it');
  -- Lock order shared with checkout: live products being changed, the host, then the show.
  perform 1 from public.live_products lp
    where lp.session_id = p_session_id and lp.flash_ends_at > now() order by lp.id for update;
  perform 1 from public.influencers i where i.id = v_show.influencer_id for no key update;
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id for update;
  if v_show.status <> 'live' then
    raise exception 'Cannot end the show: it is %', v_show.status
      using errcode = '55000', hint = 'Only a live show can end.';
  end if;
  update public.live_stream_sessions s set status = 'ended', actual_end = now()
   where s.id = p_session_id;
  return private.show_state(p_session_id);
end
$$;

-- Pin a product on screen (null unpins).
create function public.feature_live_product(p_session_id uuid, p_live_product_id uuid)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
  v_item public.live_products;
begin
  v_show := private.owned_show(p_session_id, false, 'feature products');
  if v_show.status <> 'live' then
    raise exception 'The show is not live (it is %)', v_show.status using errcode = '55000';
  end if;
  if p_live_product_id is not null then
    select lp.* into v_item from public.live_products lp where lp.id = p_live_product_id;
    if not found then
      raise exception 'Live product % not found', p_live_product_id using errcode = 'P0002';
    end if;
    if v_item.session_id <> p_session_id then
      raise exception 'p_live_product_id: % belongs to another show', v_item.name
        using errcode = '22023';
    end if;
    if v_item.status in ('draft', 'hidden') then
      raise exception '% is % and cannot be featured', v_item.name, v_item.status
        using errcode = '55000';
    end if;
    update public.live_products lp set featured_at = now() where lp.id = p_live_product_id;
  end if;
  update public.live_stream_sessions s set featured_live_product_id = p_live_product_id
   where s.id = p_session_id;
  return jsonb_build_object('session_id', p_session_id,
                            'featured_live_product_id', p_live_product_id,
                            'featured_at', case when p_live_product_id is not null then now() end);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Flash sales
-- ---------------------------------------------------------------------------------------------
-- The live product, locked, after the checks shared by starting and cancelling a flash sale.
create function private.flash_target(p_live_product_id uuid) returns public.live_products
language plpgsql set search_path = ''
as $$
declare
  v_item public.live_products;
  v_status public.session_status;
begin
  select lp.* into v_item from public.live_products lp where lp.id = p_live_product_id for update;
  if not found then
    raise exception 'Live product % not found', p_live_product_id using errcode = 'P0002';
  end if;
  perform private.require_host(v_item.influencer_id, false, 'run flash sales on its products');
  select s.status into v_status from public.live_stream_sessions s where s.id = v_item.session_id;
  if v_status <> 'live' then
    raise exception 'The show is not live (it is %)', v_status
      using errcode = '55000', hint = 'Flash sales run only during a live show.';
  end if;
  return v_item;
end
$$;

create function public.start_flash_sale(
  p_live_product_id uuid, p_flash_price numeric, p_duration_seconds integer
) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_settings private.commerce_settings;
  v_item public.live_products;
begin
  perform private.require_arg(p_live_product_id, 'p_live_product_id');
  perform private.require_arg(p_flash_price, 'p_flash_price');
  perform private.require_arg(p_duration_seconds, 'p_duration_seconds');
  if p_flash_price < 0 or p_flash_price <> round(p_flash_price, 2) then
    raise exception 'p_flash_price must be a non-negative amount in whole cents (got %)',
                    p_flash_price using errcode = '22023';
  end if;
  select s.* into v_settings from private.commerce_settings s;
  if p_duration_seconds not between v_settings.min_flash_seconds
                                and v_settings.max_flash_seconds then
    raise exception 'p_duration_seconds must be between % and % seconds (got %)',
                    v_settings.min_flash_seconds, v_settings.max_flash_seconds,
                    p_duration_seconds using errcode = '22023';
  end if;
  v_item := private.flash_target(p_live_product_id);
  if v_item.status <> 'active' then
    raise exception '% is %: no flash sale possible', v_item.name, replace(v_item.status::text,
                    '_', ' ') using errcode = '55000';
  end if;
  if p_flash_price >= v_item.live_price then
    raise exception 'flash price must be below the regular live price (%)', v_item.live_price
      using errcode = '22023';
  end if;
  if v_item.flash_starts_at <= now() and now() < v_item.flash_ends_at then
    raise exception 'A flash sale is already running on % until %; cancel it first',
                    v_item.name, v_item.flash_ends_at using errcode = '55000';
  end if;
  update public.live_products lp
     set flash_price = p_flash_price, flash_starts_at = now(),
         flash_ends_at = now() + make_interval(secs => p_duration_seconds)
   where lp.id = p_live_product_id
  returning lp.* into v_item;
  return jsonb_build_object('live_product_id', v_item.id, 'live_price', v_item.live_price,
                            'flash_price', v_item.flash_price,
                            'flash_starts_at', v_item.flash_starts_at,
                            'flash_ends_at', v_item.flash_ends_at,
                            'duration_seconds', p_duration_seconds);
end
$$;

create function public.cancel_flash_sale(p_live_product_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_item public.live_products;
begin
  perform private.require_arg(p_live_product_id, 'p_live_product_id');
  v_item := private.flash_target(p_live_product_id);
  if v_item.flash_ends_at is null or v_item.flash_ends_at <= now() then
    raise exception 'No flash sale is running on %', v_item.name using errcode = '55000';
  end if;
  if v_item.flash_starts_at < now() then
    update public.live_products lp set flash_ends_at = now() where lp.id = p_live_product_id
    returning lp.* into v_item;
  else  -- not started yet, or started in this very transaction: clear the window
    update public.live_products lp
       set flash_price = null, flash_starts_at = null, flash_ends_at = null
     where lp.id = p_live_product_id
    returning lp.* into v_item;
  end if;
  return jsonb_build_object('live_product_id', v_item.id, 'live_price', v_item.live_price,
                            'flash_ends_at', v_item.flash_ends_at,
                            'effective_price', private.effective_price_at(v_item, now()));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Payment provider webhook (service role only)
-- ---------------------------------------------------------------------------------------------
-- Undo an order's effect on stock and metrics (failed payment or refund), in checkout's lock
-- order: live products, wholesale products, then (apply_sales) host, show, goals.
create function private.release_order(p_order_id uuid) returns void
language plpgsql set search_path = ''
as $$
declare
  r record;
begin
  for r in
    select oi.live_product_id as id, sum(oi.quantity)::integer as q,
           sum(oi.line_total) as revenue
      from public.order_items oi
     where oi.order_id = p_order_id and oi.live_product_id is not null
     group by oi.live_product_id order by oi.live_product_id
  loop
    update public.live_products lp
       set sold_quantity = greatest(lp.sold_quantity - r.q, 0),
           revenue = greatest(lp.revenue - r.revenue, 0)
     where lp.id = r.id;
  end loop;
  for r in
    select coalesce(oi.product_id, lp.product_id) as id, sum(oi.quantity)::integer as q
      from public.order_items oi left join public.live_products lp on lp.id = oi.live_product_id
     where oi.order_id = p_order_id and coalesce(oi.product_id, lp.product_id) is not null
     group by 1 order by 1
  loop
    update public.products p set stock_quantity = p.stock_quantity + r.q where p.id = r.id;
  end loop;
  perform private.apply_sales(
    array(select oi from public.order_items oi where oi.order_id = p_order_id), -1);
  update public.influencer_earnings e set status = 'reversed', reversed_at = now()
   where e.order_id = p_order_id and e.status <> 'reversed';
end
$$;

create function public.record_payment_event(
  p_order_id uuid, p_status text, p_payment_reference text default null
) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_order public.orders;
  v_changed boolean := true;
begin
  perform private.require_arg(p_order_id, 'p_order_id');
  if p_status is null or p_status not in ('paid', 'failed', 'refunded') then
    raise exception 'p_status must be one of paid, failed, refunded (got %)',
                    coalesce(p_status, 'null') using errcode = '22023';
  end if;
  if char_length(p_payment_reference) > 200 then
    raise exception 'p_payment_reference must be at most 200 characters' using errcode = '22023';
  end if;
  select o.* into v_order from public.orders o where o.id = p_order_id for update;
  if not found then
    raise exception 'Order % not found', p_order_id using errcode = 'P0002';
  end if;

  if v_order.payment_status::text = p_status then
    v_changed := false;  -- the provider repeats webhooks: the same event is a no-op
  elsif p_status = 'paid' then
    if v_order.payment_status <> 'pending' then
      raise exception 'Order % is % and cannot be marked paid', v_order.order_number,
                      v_order.payment_status using errcode = '55000';
    end if;
    update public.orders o
       set payment_status = 'paid', paid_at = now(),
           status = case when o.status = 'pending' then 'confirmed' else o.status end,
           payment_reference = coalesce(p_payment_reference, o.payment_reference)
     where o.id = p_order_id;
    update public.influencer_earnings e set status = 'available', available_at = now()
     where e.order_id = p_order_id and e.status = 'pending';
  elsif p_status = 'failed' then
    if v_order.payment_status <> 'pending' then
      raise exception 'Order % is %: only a pending payment can fail', v_order.order_number,
                      v_order.payment_status
        using errcode = '55000', hint = 'Refund a paid order instead.';
    end if;
    update public.orders o
       set payment_status = 'failed', status = 'cancelled',
           payment_reference = coalesce(p_payment_reference, o.payment_reference)
     where o.id = p_order_id;
    perform private.release_order(p_order_id);
  else
    if v_order.payment_status <> 'paid' then
      raise exception 'Order % is %: only a paid order can be refunded', v_order.order_number,
                      v_order.payment_status using errcode = '55000';
    end if;
    update public.orders o
       set payment_status = 'refunded', status = 'refunded', refunded_at = now(),
           payment_reference = coalesce(p_payment_reference, o.payment_reference)
     where o.id = p_order_id;
    update public.order_items oi set is_refunded = true where oi.order_id = p_order_id;
    perform private.release_order(p_order_id);
  end if;

  select o.* into v_order from public.orders o where o.id = p_order_id;
  return jsonb_build_object('order_id', v_order.id, 'order_number', v_order.order_number,
                            'status', v_order.status, 'payment_status', v_order.payment_status,
                            'changed', v_changed);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Read models for the studio
-- ---------------------------------------------------------------------------------------------
create function private.require_influencer() returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_id uuid := (select private.current_influencer_id());
begin
  if v_id is null then
    raise exception 'Only hosts have goals, earnings and shows' using errcode = '42501';
  end if;
  return v_id;
end
$$;

-- The caller's goals whose period covers p_at, computed from orders, viewers and shows.
-- SECURITY DEFINER: it reads order status, which hosts cannot read; it only ever returns the
-- caller's own goals.
create function public.goal_progress(p_at date default current_date)
returns table (goal_id uuid, title text, goal_type public.goal_type, period public.goal_period,
               period_start date, period_end date, target_value numeric, current_value numeric,
               percent numeric, achieved boolean)
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_influencer uuid := private.require_influencer();
begin
  perform private.require_arg(p_at, 'p_at');
  return query
  select g.id, g.title, g.goal_type, g.period, g.period_start, g.period_end, g.target_value,
         a.v::numeric(14, 2), round(100 * a.v / g.target_value, 1), a.v >= g.target_value
    from public.influencer_goals g
   cross join lateral (select private.goal_actual(g.influencer_id, g.goal_type, g.period_start,
                                                  g.period_end) as v) a
   where g.influencer_id = v_influencer and p_at between g.period_start and g.period_end
   order by g.period, g.goal_type, g.period_start;
end
$$;

-- The caller's commission per week, month or quarter (security invoker: RLS scopes the rows).
create function public.earnings_by_period(
  p_granularity text default 'month', p_from date default null, p_to date default null
) returns table (period_start date, gross_sales numeric, commission numeric, pending numeric,
                 available numeric, paid_out numeric, reversed numeric, order_count bigint)
language plpgsql stable set search_path = ''
as $$
declare
  v_influencer uuid := private.require_influencer();
begin
  if p_granularity is null or p_granularity not in ('week', 'month', 'quarter') then
    raise exception 'p_granularity must be week, month or quarter (got %)',
                    coalesce(p_granularity, 'null') using errcode = '22023';
  end if;
  if p_from > p_to then
    raise exception 'p_from (%) must not be after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  return query
  select date_trunc(p_granularity, e.earned_at)::date,
         coalesce(sum(e.gross_amount) filter (where e.status <> 'reversed'), 0),
         coalesce(sum(e.amount) filter (where e.status <> 'reversed'), 0),
         coalesce(sum(e.amount) filter (where e.status = 'pending'), 0),
         coalesce(sum(e.amount) filter (where e.status = 'available'), 0),
         coalesce(sum(e.amount) filter (where e.status = 'paid_out'), 0),
         coalesce(sum(e.amount) filter (where e.status = 'reversed'), 0),
         count(distinct e.order_id) filter (where e.status <> 'reversed')
    from public.influencer_earnings e
   where e.influencer_id = v_influencer
     and (p_from is null or e.earned_at >= p_from::timestamptz)
     and (p_to is null or e.earned_at < (p_to + 1)::timestamptz)
   group by 1 order by 1;
end
$$;

-- The caller's shows that went live, with their sales and commission (security invoker).
create function public.earnings_by_show(p_from date default null, p_to date default null)
returns table (session_id uuid, title text, started_at timestamptz, gross_sales numeric,
               commission numeric, units bigint, order_count bigint)
language plpgsql stable set search_path = ''
as $$
declare
  v_influencer uuid := private.require_influencer();
begin
  if p_from > p_to then
    raise exception 'p_from (%) must not be after p_to (%)', p_from, p_to using errcode = '22023';
  end if;
  return query
  select s.id, s.title, s.actual_start,
         coalesce(sum(e.gross_amount) filter (where e.status <> 'reversed'), 0),
         coalesce(sum(e.amount) filter (where e.status <> 'reversed'), 0),
         coalesce(sum(oi.quantity) filter (where e.status <> 'reversed'), 0)::bigint,
         count(distinct e.order_id) filter (where e.status <> 'reversed')
    from public.live_stream_sessions s
    left join public.influencer_earnings e on e.session_id = s.id and e.influencer_id = v_influencer
    left join public.order_items oi on oi.id = e.order_item_id
   where s.influencer_id = v_influencer and s.actual_start is not null
     and (p_from is null or s.actual_start >= p_from::timestamptz)
     and (p_to is null or s.actual_start < (p_to + 1)::timestamptz)
   group by s.id, s.title, s.actual_start
   order by s.actual_start desc;
end
$$;

-- Everything the control room shows about a show, in one call (owning host or admin).
create function public.show_live_stats(p_session_id uuid) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_show record;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  select s.id, s.influencer_id, s.status, s.actual_start, s.actual_end, s.current_viewers,
         s.peak_viewers, s.unique_viewers, s.total_orders, s.total_units, s.total_revenue,
         s.featured_live_product_id
    into v_show from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  perform private.require_host(v_show.influencer_id, true, 'see its live stats');
  return jsonb_build_object(
    'session_id', v_show.id, 'status', v_show.status, 'as_of', now(),
    'actual_start', v_show.actual_start, 'actual_end', v_show.actual_end,
    'viewers', jsonb_build_object('current', v_show.current_viewers,
                                  'peak', v_show.peak_viewers, 'unique', v_show.unique_viewers),
    'orders', v_show.total_orders, 'units', v_show.total_units, 'revenue', v_show.total_revenue,
    'featured_live_product_id', v_show.featured_live_product_id,
    'flash_sale', (select jsonb_build_object('live_product_id', lp.id, 'name', lp.name,
                                             'flash_price', lp.flash_price,
                                             'live_price', lp.live_price,
                                             'ends_at', lp.flash_ends_at)
                     from public.live_products lp
                    where lp.session_id = p_session_id and lp.flash_starts_at <= now()
                      and now() < lp.flash_ends_at
                    order by lp.flash_ends_at limit 1),
    'products', coalesce((select jsonb_agg(jsonb_build_object(
                  'live_product_id', lp.id, 'name', lp.name, 'position', lp.position,
                  'status', lp.status, 'live_price', lp.live_price,
                  'effective_price', private.effective_price_at(lp, now()),
                  'allocated', lp.allocated_quantity, 'units', lp.sold_quantity,
                  'revenue', lp.revenue,
                  'remaining', greatest(lp.allocated_quantity - lp.sold_quantity, 0))
                  order by lp.position, lp.name)
                  from public.live_products lp where lp.session_id = p_session_id), '[]'));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Who may call what. Supabase grants EXECUTE on new public functions to anon, authenticated and
-- service_role by default, so every grant is revoked first and then given exactly.
-- ---------------------------------------------------------------------------------------------
revoke execute on function
  public.effective_price(public.live_products),
  public.checkout(uuid, jsonb, text),
  public.start_show(uuid), public.end_show(uuid),
  public.feature_live_product(uuid, uuid),
  public.start_flash_sale(uuid, numeric, integer), public.cancel_flash_sale(uuid),
  public.record_payment_event(uuid, text, text),
  public.goal_progress(date), public.earnings_by_period(text, date, date),
  public.earnings_by_show(date, date), public.show_live_stats(uuid)
  from public, anon, authenticated, service_role;

grant execute on function public.effective_price(public.live_products)
  to anon, authenticated, service_role;
grant execute on function
  public.checkout(uuid, jsonb, text),
  public.start_show(uuid), public.end_show(uuid),
  public.feature_live_product(uuid, uuid),
  public.start_flash_sale(uuid, numeric, integer), public.cancel_flash_sale(uuid),
  public.goal_progress(date), public.earnings_by_period(text, date, date),
  public.earnings_by_show(date, date), public.show_live_stats(uuid)
  to authenticated;
grant execute on function public.record_payment_event(uuid, text, text) to service_role;

-- Private helpers: callable only from the functions above. The invoker-rights read models call
-- require_influencer, require_host, require_arg and effective_price_at as the caller.
revoke execute on function
  private.effective_price_at(public.live_products, timestamptz),
  private.require_host(uuid, boolean, text), private.require_arg(anyelement, text),
  private.order_summary(uuid, boolean), private.show_state(uuid),
  private.flash_target(uuid), private.release_order(uuid), private.require_influencer()
  from public;
grant execute on function
  private.effective_price_at(public.live_products, timestamptz),
  private.require_host(uuid, boolean, text), private.require_arg(anyelement, text),
  private.require_influencer()
  to authenticated;
