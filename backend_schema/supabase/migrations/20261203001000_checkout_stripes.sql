-- checkout() and checkout_items() take units from one of the live product's 32 sales-counter
-- stripes (see the previous migration); otherwise as before.

create or replace function private.place_order(
  p_idempotency_key uuid, p_shipping_address jsonb, p_notes text, p_items jsonb,
  p_from_cart boolean
) returns jsonb
language plpgsql set search_path = ''
-- Every statement below finds its rows by key: one generic plan per session serves every call
-- (without this, the planner keeps re-planning some of them on each call).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_customer public.customers;
  v_address jsonb;
  v_field text;
  v_item jsonb;
  v_ref jsonb;
  v_id uuid;
  v_qty numeric;
  v_limited boolean := false;
  v_order_id uuid := gen_random_uuid();
  v_order_number text;
  v_existing uuid;
  r record;
  v_line public.order_items;
  -- What to place: per line its product or live product and quantity; the cart rows placed.
  w_cart uuid[] := '{}';
  w_product uuid[] := '{}';
  w_live uuid[] := '{}';
  w_qty integer[] := '{}';
  -- The order's lines in lock order (live products by id, then wholesale products by id) and,
  -- per line, the wholesale product whose stock it takes (with how many and under what name),
  -- and the show's title.
  v_lines public.order_items[] := '{}';
  a_source uuid[] := '{}';
  a_qty integer[] := '{}';
  a_name text[] := '{}';
  a_title text[] := '{}';
  a_stock_id uuid[];
  a_stock_qty integer[];
  a_stock_name text[];
  v_items jsonb := '[]';
  v_live integer := 0;
  a_counted boolean[] := '{}';  -- per live line: the order's first item of its show
  v_shows uuid[] := '{}';
  v_left integer;
  v_on_sale boolean;
  v_sold_out boolean;
  v_fast boolean;
  v_bought integer;
  v_show_status public.session_status;
  v_tax_rate numeric;
  v_flat_shipping numeric;
  v_free_shipping numeric;
  v_subtotal numeric := 0;
  v_discount numeric := 0;
  v_tax numeric;
  v_shipping numeric;
  v_seq text;
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

  -- Items passed directly: what a cart row may hold (one product or live product each, once,
  -- 1 to 999 units), at most 100 of them.
  if not p_from_cart then
    if p_items is null or jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) = 0 then
      raise exception 'p_items must be a non-empty JSON array of items' using errcode = '22023';
    elsif jsonb_array_length(p_items) > 100 then
      raise exception 'p_items holds at most 100 items' using errcode = '22023';
    end if;
    for k in 0 .. jsonb_array_length(p_items) - 1 loop
      v_item := p_items -> k;
      if jsonb_typeof(v_item) <> 'object' then
        raise exception 'Each item must be a JSON object, not a JSON %', jsonb_typeof(v_item)
          using errcode = '22023';
      elsif v_item - array['product_id', 'live_product_id', 'quantity'] <> '{}' then
        raise exception 'Unknown item field: %',
          (select min(f.name)
             from jsonb_object_keys(v_item - array['product_id', 'live_product_id', 'quantity'])
                  as f(name))
          using errcode = '22023',
                hint = 'An item has product_id or live_product_id, and quantity.';
      elsif (v_item ? 'product_id') = (v_item ? 'live_product_id') then
        raise exception 'Each item needs exactly one of product_id and live_product_id'
          using errcode = '22023';
      end if;
      v_ref := coalesce(v_item -> 'product_id', v_item -> 'live_product_id');
      if jsonb_typeof(v_ref) <> 'string' then
        raise exception 'Item ids must be UUID strings, not %', v_ref using errcode = '22023';
      end if;
      v_id := v_ref #>> '{}';  -- not a UUID: 22P02, naming the text
      if v_id = any(w_product) or v_id = any(w_live) then
        raise exception 'p_items names % twice', v_id using errcode = '22023',
          hint = 'Give each product once, with the quantity wanted.';
      end if;
      v_qty := case when not v_item ? 'quantity' then 1
                    when jsonb_typeof(v_item -> 'quantity') = 'number'
                    then (v_item ->> 'quantity')::numeric end;
      if v_qty is null or v_qty <> trunc(v_qty) or v_qty not between 1 and 999 then
        raise exception 'Item quantity must be a whole number from 1 to 999, not %',
                        v_item -> 'quantity' using errcode = '22023';
      end if;
      w_product := w_product || case when v_item ? 'product_id' then v_id end;
      w_live := w_live || case when v_item ? 'live_product_id' then v_id end;
      w_qty := w_qty || v_qty::integer;
    end loop;
  end if;

  -- Idempotency: a second request with the same key waits here for the first to commit, then
  -- returns its order. The key names its order at once (checked once the order exists).
  insert into private.checkout_requests (customer_id, idempotency_key, order_id)
  values (v_customer.id, p_idempotency_key, v_order_id) on conflict do nothing;
  if not found then
    select cr.order_id into v_existing from private.checkout_requests cr
     where cr.customer_id = v_customer.id and cr.idempotency_key = p_idempotency_key;
    return private.order_summary(v_existing, true);
  end if;

  if p_from_cart then
    -- The cart, locked: the order empties it.
    select coalesce(array_agg(c.id), '{}'), coalesce(array_agg(c.product_id), '{}'),
           coalesce(array_agg(c.live_product_id), '{}'), coalesce(array_agg(c.quantity), '{}')
      into w_cart, w_product, w_live, w_qty
      from (select c.id, c.product_id, c.live_product_id, c.quantity from public.cart c
             where c.customer_id = v_customer.id order by c.id for update) c;
    if w_cart = '{}' then raise exception 'The cart is empty' using errcode = '22023'; end if;
  end if;

  -- Validate and price every line; a live line at its effective price now (inlined).
  for r in
    select it.quantity, it.product_id, it.live_product_id,
           lp.id as found_live_id, lp.name as live_name, lp.status as live_status,
           lp.live_price, lp.allocated_quantity, lp.sold_quantity, lp.max_per_buyer,
           lp.session_id, lp.influencer_id,
           case when lp.flash_price is not null and now() >= lp.flash_starts_at
                     and now() < lp.flash_ends_at
                then lp.flash_price else lp.live_price end as live_unit_price,
           s.status as show_status, s.is_rehearsal, s.title as show_title, i.commission_rate,
           i.verification_status as host_status, i.user_id as host_user_id,
           p.id as source_id, p.sku, p.name as product_name, p.status as product_status,
           p.retail_price, p.min_order_quantity, p.wholesaler_id,
           w.verification_status as wholesaler_status,
           cs.tax_rate, cs.flat_shipping, cs.free_shipping_threshold
      from unnest(w_product, w_live, w_qty) as it(product_id, live_product_id, quantity)
      cross join private.commerce_settings cs
      left join public.live_products lp on lp.id = it.live_product_id
      left join public.live_stream_sessions s on s.id = lp.session_id
      left join public.influencers i on i.id = lp.influencer_id
      left join public.products p on p.id = coalesce(it.product_id, lp.product_id)
      left join public.wholesalers w on w.id = p.wholesaler_id
     order by it.live_product_id nulls last, it.product_id
  loop
    -- An item passed directly must be one the cart would take (its insert policy, under the
    -- shoppers' row rules): an active product of a verified supplier, or a live product on sale
    -- or sold out in a public show. Others are named by id only.
    if not p_from_cart
       and (case when r.live_product_id is not null
                 then r.found_live_id is null or r.live_status not in ('active', 'sold_out')
                      or r.is_rehearsal or r.show_status not in ('scheduled', 'live', 'ended')
                 else r.source_id is null or r.product_status <> 'active'
                      or r.wholesaler_status is distinct from 'verified' end) then
      raise exception 'No such product on sale: %', coalesce(r.live_product_id, r.product_id)
        using errcode = 'P0002';
    end if;
    v_line.id := gen_random_uuid();
    v_line.order_id := v_order_id;
    v_line.wholesaler_id := r.wholesaler_id;
    v_line.sku := r.sku;
    v_line.quantity := r.quantity;
    v_line.is_refunded := false;
    v_line.created_at := now();
    v_line.updated_at := now();
    if r.live_product_id is not null then
      -- Who may sell and who may buy (ACCESS.md, "Selling"): a rehearsal sells nothing, an
      -- unvetted host or supplier sells nothing, and a host never buys from their own show.
      if r.is_rehearsal then
        raise exception '% is part of a rehearsal and is not for sale', r.live_name
          using errcode = '55000', hint = 'Rehearsals show the lineup; nothing in them is sold.';
      end if;
      if r.host_status <> 'verified' then
        raise exception '% is not for sale: its host is not verified', r.live_name
          using errcode = '55000';
      end if;
      if r.host_user_id = v_customer.user_id then
        raise exception 'You host this show: you cannot buy % from it', r.live_name
          using errcode = '42501', hint = 'Hosts earn commission on sales to others only.';
      end if;
      if r.source_id is not null and r.wholesaler_status is distinct from 'verified' then
        raise exception '% is not for sale: its supplier is not verified', r.live_name
          using errcode = '55000';
      end if;
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
        -- What this buyer already has is counted with their customer row locked (once per
        -- order): a concurrent order of theirs counts here once it has committed.
        if not v_limited then
          perform 1 from public.customers c where c.id = v_customer.id for no key update;
          v_limited := true;
        end if;
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
      a_counted := a_counted || not (r.session_id = any(v_shows));
      v_shows := v_shows || r.session_id;
      v_line.product_id := null;
      v_line.live_product_id := r.live_product_id;
      v_line.session_id := r.session_id;
      v_line.influencer_id := r.influencer_id;
      v_line.product_name := r.live_name;
      v_line.list_unit_price := r.live_price;
      v_line.unit_price := r.live_unit_price;
      v_line.commission_rate := coalesce(r.commission_rate, 0);
    else
      if r.product_status <> 'active' or r.wholesaler_status is distinct from 'verified' then
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
    -- A live line's units were set aside when they were allocated.
    a_source := a_source || case when r.live_product_id is null then r.source_id end;
    a_qty := a_qty || r.quantity;
    a_name := a_name || v_line.product_name;
    a_title := a_title || r.show_title;
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

  v_tax := round((v_subtotal - v_discount) * v_tax_rate, 2);
  v_shipping := case when v_subtotal - v_discount >= v_free_shipping then 0.00
                     else v_flat_shipping end;
  -- Wholesale stock to take (direct purchases), in id order.
  if cardinality(v_lines) > v_live then
    select array_agg(t.id order by t.id), array_agg(t.q order by t.id),
           array_agg(t.name order by t.id)
      into a_stock_id, a_stock_qty, a_stock_name
      from (select x.id, sum(x.q)::integer as q, min(x.name) as name
              from unnest(a_source, a_qty, a_name) as x(id, q, name)
             where x.id is not null group by x.id) t;
  end if;
  -- The order number, as private.assign_order_number() makes it (its trigger then stands aside).
  v_seq := nextval('private.order_number_seq')::text;
  v_order_number := 'SS-' || to_char(now() at time zone 'UTC', 'YYMMDD') || '-'
                    || lpad(v_seq, greatest(6, length(v_seq)), '0');

  -- Phase 1: this buyer's rows. The order, its lines and the commission on each live line
  -- (written by the database only), the host told; the cart emptied.
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', 'on', true);
  with placed as (
    insert into public.orders (id, order_number, customer_id, subtotal, discount_amount,
                               tax_amount, shipping_amount, total_amount, shipping_address,
                               contact_email, notes)
    values (v_order_id, v_order_number, v_customer.id, v_subtotal, v_discount, v_tax,
            v_shipping, v_subtotal - v_discount + v_tax + v_shipping, v_address,
            coalesce(v_customer.email, (select u.email from auth.users u
                                         where u.id = v_customer.user_id)),
            nullif(btrim(p_notes), ''))
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
  )
  insert into public.influencer_earnings
    (influencer_id, order_id, order_item_id, session_id, gross_amount, commission_rate, amount)
  select l.influencer_id, l.order_id, l.id, l.session_id, l.line_total, l.commission_rate,
         l.commission_amount
    from unnest(v_lines) l where l.influencer_id is not null;
  -- The host hears of each order placed during a live show, one notice per show, worded as
  -- private.notify_orders words it (every live line's show is live; the currency is USD). Live
  -- lines come first; a single one, a show's "Buy now", needs no grouping.
  if v_live = 1 then
    v_line := v_lines[1];
    insert into public.influencer_notifications (influencer_id, type, title, body, data)
    values (v_line.influencer_id, 'order',
            'New order: ' || v_line.quantity || ' x ' || v_line.product_name,
            format('%s %s during %s', 'USD', v_line.line_total, a_title[1]),
            jsonb_build_object('order_id', v_order_id, 'session_id', v_line.session_id,
                               'order_item_ids', jsonb_build_array(v_line.id),
                               'units', v_line.quantity, 'amount', v_line.line_total));
  elsif v_live > 1 then
    insert into public.influencer_notifications (influencer_id, type, title, body, data)
    select l.influencer_id, 'order',
           'New order: ' || string_agg(l.quantity || ' x ' || l.product_name, ', '
                                       order by l.product_name),
           format('%s %s during %s', 'USD', sum(l.line_total), min(a_title[l.ordinality])),
           jsonb_build_object('order_id', l.order_id, 'session_id', l.session_id,
                              'order_item_ids', jsonb_agg(l.id order by l.id),
                              'units', sum(l.quantity), 'amount', sum(l.line_total))
      from unnest(v_lines) with ordinality l
     where l.influencer_id is not null
     group by l.order_id, l.influencer_id, l.session_id;
  end if;
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', '', true);
  if p_from_cart then
    delete from public.cart c where c.id = any(w_cart);
  end if;
  -- References are checked at commit by default; check them now, not while this buyer holds a
  -- counter below (their key-share locks on the live products come before the counters, in the
  -- lock order). For the rest of the transaction they are checked at once: earlier, not weaker.
  set constraints all immediate;

  -- Phase 2: the shared rows, last. A live line takes its units from its live product's sales
  -- counter (the only rows its buyers queue on) and holds it until the commit that follows:
  -- usually the stripe of this database session, while it keeps at least one unit; the update
  -- re-checks on the stripe's latest version that the item is on sale and has the units.
  for k in 1 .. v_live loop
    v_line := v_lines[k];
    v_sold_out := false;
    v_fast := true;
    begin
      update private.live_sales c
         set sold = c.sold + v_line.quantity, revenue = c.revenue + v_line.line_total,
             show_orders = c.show_orders + case when a_counted[k] then 1 else 0 end,
             show_units = c.show_units + v_line.quantity,
             show_revenue = c.show_revenue + v_line.line_total
       where c.live_product_id = v_line.live_product_id
         and c.stripe = pg_catalog.pg_backend_pid() % 32 and c.on_sale
         and c.sold + v_line.quantity < c.allocated;
      if not found then
        -- An update that waited for the stripe keeps it locked even when it then finds it
        -- short; leaving the block undoes that lock, so the stripes below are taken in order.
        raise sqlstate 'SS001';
      end if;
    exception when sqlstate 'SS001' then
      v_fast := false;
    end;
    if not v_fast then
      -- The stripe is short: take them all (in stripe order, after the buyers holding them), then,
      -- reading them afresh, the units from whichever stripes have them.
      perform 1 from private.live_sales c where c.live_product_id = v_line.live_product_id
       order by c.stripe for no key update;
      select sum(c.allocated - c.sold), bool_and(c.on_sale) into v_left, v_on_sale
        from private.live_sales c where c.live_product_id = v_line.live_product_id;
      if not v_on_sale or v_left < v_line.quantity then
        select s.status into v_show_status
          from public.live_products lp join public.live_stream_sessions s on s.id = lp.session_id
         where lp.id = v_line.live_product_id;
        if v_show_status <> 'live' then
          raise exception '% can only be bought during its live show (the show is %)',
                          v_line.product_name, v_show_status using errcode = '55000';
        elsif not v_on_sale then
          raise exception '% is not on sale', v_line.product_name using errcode = '55000';
        end if;
        raise exception 'Sold out: % (% left)', v_line.product_name, greatest(v_left, 0)
          using errcode = '23514';
      end if;
      with taken as (
        select c.stripe, least(c.allocated - c.sold,
                               greatest(v_line.quantity
                                        - coalesce(sum(c.allocated - c.sold) over earlier, 0),
                                        0)) as units
          from private.live_sales c where c.live_product_id = v_line.live_product_id
        window earlier as (order by c.stripe rows between unbounded preceding and 1 preceding)
      )
      update private.live_sales c
         set sold = c.sold + t.units,
             revenue = c.revenue + case when c.stripe = 0 then v_line.line_total else 0 end,
             show_orders = c.show_orders
                           + case when c.stripe = 0 and a_counted[k] then 1 else 0 end,
             show_units = c.show_units + case when c.stripe = 0 then v_line.quantity else 0 end,
             show_revenue = c.show_revenue
                            + case when c.stripe = 0 then v_line.line_total else 0 end
        from taken t
       where c.live_product_id = v_line.live_product_id and c.stripe = t.stripe
         and (t.units > 0 or c.stripe = 0);
      v_sold_out := v_left = v_line.quantity;
    end if;
    -- The last unit: the sold-out state (and the host's notice of it) is published now.
    if v_sold_out then
      perform private.publish_sold_out(v_line.live_product_id);
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
  return jsonb_build_object(
    'order_id', v_order_id, 'order_number', v_order_number, 'status', 'pending',
    'payment_status', 'pending', 'currency', 'USD', 'subtotal', v_subtotal,
    'discount_amount', v_discount, 'tax_amount', v_tax, 'shipping_amount', v_shipping,
    'total_amount', v_subtotal - v_discount + v_tax + v_shipping, 'placed_at', now(),
    'replayed', false, 'items', v_items);
end
$$;
revoke execute on function private.place_order(uuid, jsonb, text, jsonb, boolean) from public;
