-- Access hardening (ACCESS.md): holes found by attacking every role.
--
--   B1  products of unvetted wholesalers are invisible outside their owner and admins, cannot be
--       put in a cart, allocated to a lineup or bought;
--   B2  an unvetted host cannot start a public show (rehearsals may run) and sells nothing;
--   B3  chat messages are measured as sent (no trimming) and may not be blank;
--   B4  no function in `private` is executable by PUBLIC, now or later (default privileges);
--   B5  items of a rehearsal are sold to nobody; a show cannot switch between rehearsal and
--       public once it has left `scheduled`;
--   B6  a host cannot buy from their own show (so no commission on their own purchases);
--   B7  a viewer's presence, once closed, cannot be reopened (and only live shows count);
--   B8  every client-writable text and jsonb column has a size bound;
--   B9  chat names cannot pass for a host's, and chat messages and support queries are rate
--       limited per user in the database;
--   D3  a new show cannot be scheduled to start in the past.
--
-- Rules that apply to API users only recognise them by their request claims (`auth.role()` is
-- `anon` or `authenticated`), which also holds inside SECURITY DEFINER functions they call; the
-- schema owner (migrations, seed) and the service role are not API users.

-- ---------------------------------------------------------------------------------------------
-- B4. Nothing in `private` is callable by PUBLIC. Functions created later by the role that runs
--     the migrations start without EXECUTE for PUBLIC too (PostgreSQL cannot revoke a global
--     default for one schema only, so this is the role's default everywhere; every public
--     function is granted explicitly anyway). Each grant at the end of this file is needed by a
--     policy or by a function that runs with the caller's rights.
-- ---------------------------------------------------------------------------------------------
alter default privileges revoke execute on functions from public;
revoke execute on all functions in schema private from public;

create function private.is_api_user() returns boolean
language sql stable set search_path = ''
as $$ select coalesce(auth.role(), '') in ('anon', 'authenticated') $$;

-- ---------------------------------------------------------------------------------------------
-- B1. Products of unvetted wholesalers: owner and admins only.
-- ---------------------------------------------------------------------------------------------
-- A set function evaluated once per statement (a hashed subplan in the policies).
create function private.verified_wholesaler_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select w.id from public.wholesalers w where w.verification_status = 'verified'
$$;

drop policy products_select_anon on public.products;
create policy products_select_anon on public.products for select to anon
  using (status = 'active' and wholesaler_id in (select private.verified_wholesaler_ids()));
drop policy products_select_authenticated on public.products;
create policy products_select_authenticated on public.products for select to authenticated
  using ((status = 'active' and wholesaler_id in (select private.verified_wholesaler_ids()))
         or wholesaler_id = (select private.current_wholesaler_id())
         or (select private.is_admin()));

-- The cart takes only what its owner can see on sale (RLS applies inside the policy): an id
-- learned elsewhere (an unvetted supplier's product, a rehearsal's item) is refused.
drop policy cart_insert_authenticated on public.cart;
create policy cart_insert_authenticated on public.cart for insert to authenticated
  with check (customer_id = (select private.current_customer_id())
              and (product_id is null
                   or exists (select 1 from public.products p
                              where p.id = cart.product_id and p.status = 'active'))
              and (live_product_id is null
                   or exists (select 1 from public.live_products lp
                              where lp.id = cart.live_product_id
                                and lp.status in ('active', 'sold_out'))));

-- Lineups source only from verified suppliers (an id learned elsewhere included).
create function private.guard_live_product_source() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_name text;
  v_status public.verification_status;
begin
  select p.name, w.verification_status into v_name, v_status
    from public.products p join public.wholesalers w on w.id = p.wholesaler_id
   where p.id = new.product_id;
  if found and v_status <> 'verified' then
    raise exception '% is not available for live selling (its supplier is not verified)', v_name
      using errcode = '55000';
  end if;
  return new;
end
$$;
create trigger guard_live_product_source before insert or update of product_id
  on public.live_products
  for each row when (new.product_id is not null)
  execute function private.guard_live_product_source();

-- ---------------------------------------------------------------------------------------------
-- B2, B5 and D3 on shows.
-- ---------------------------------------------------------------------------------------------
-- D3: a new show starts now or later (one minute of grace for clocks that run a little behind).
create function private.guard_new_session() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if private.is_api_user() and new.scheduled_start < now() - interval '1 minute' then
    raise exception 'scheduled_start (%) is in the past', new.scheduled_start
      using errcode = '22023', hint = 'A new show must start from now on.';
  end if;
  return new;
end
$$;
create trigger guard_new_session before insert on public.live_stream_sessions
  for each row execute function private.guard_new_session();

-- B5: a rehearsal stays a rehearsal (and a public show public) once it has gone live, so a
-- rehearsal cannot be turned public mid-show, nor a public show hidden after the fact.
create function private.guard_rehearsal_flag() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception 'A show that is % cannot change between rehearsal and public', old.status
    using errcode = '55000', hint = 'Only a scheduled show can be made a rehearsal or public.';
end
$$;
create trigger guard_rehearsal_flag before update of is_rehearsal on public.live_stream_sessions
  for each row when (old.is_rehearsal is distinct from new.is_rehearsal
                     and old.status <> 'scheduled')
  execute function private.guard_rehearsal_flag();

-- B2: only verified hosts go live in public; anyone may rehearse.
create or replace function public.start_show(p_session_id uuid) returns jsonb
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
  if not v_show.is_rehearsal and not exists (
       select 1 from public.influencers i
        where i.id = v_show.influencer_id and i.verification_status = 'verified') then
    raise exception 'Only verified hosts can go live in public'
      using errcode = '42501',
            hint = 'Run it as a rehearsal until ShopStream has verified the host.';
  end if;
  update public.live_stream_sessions s set status = 'live', actual_start = now()
   where s.id = p_session_id;
  return private.show_state(p_session_id);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- B1, B2, B5, B6 at checkout: who may sell and who may buy (the checks are in the line loop).
-- ---------------------------------------------------------------------------------------------
create or replace function public.checkout(
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
           s.status as show_status, s.is_rehearsal, i.commission_rate,
           i.verification_status as host_status, i.user_id as host_user_id,
           p.id as source_id, p.sku, p.name as product_name, p.status as product_status,
           p.retail_price, p.min_order_quantity, p.wholesaler_id,
           w.verification_status as wholesaler_status,
           cs.tax_rate, cs.flat_shipping, cs.free_shipping_threshold
      from public.cart c
      cross join private.commerce_settings cs
      left join public.live_products lp on lp.id = c.live_product_id
      left join public.live_stream_sessions s on s.id = lp.session_id
      left join public.influencers i on i.id = lp.influencer_id
      left join public.products p on p.id = coalesce(c.product_id, lp.product_id)
      left join public.wholesalers w on w.id = p.wholesaler_id
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
-- B3. Chat messages: measured as sent, at most 500 characters, not blank (Unicode spaces
--     included).
-- ---------------------------------------------------------------------------------------------
-- Every Unicode space, separator and invisible formatting character a message could be padded
-- with or made of.
create function private.is_blank(p_text text) returns boolean
language sql immutable set search_path = ''
as $$
  select p_text ~ '^[\s\u0085\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]*$'
$$;

alter table public.live_stream_chat drop constraint live_stream_chat_message_check;
alter table public.live_stream_chat
  add constraint live_stream_chat_message_length check (char_length(message) between 1 and 500),
  add constraint live_stream_chat_message_not_blank check (not private.is_blank(message));

-- ---------------------------------------------------------------------------------------------
-- B7. Presence: a viewer's row can be updated while it is open (quality, leaving), never
--     reopened; and only a live show's count moves.
-- ---------------------------------------------------------------------------------------------
drop policy live_stream_viewers_update_authenticated on public.live_stream_viewers;
create policy live_stream_viewers_update_authenticated on public.live_stream_viewers
  for update to authenticated
  using (left_at is null and (user_id = (select auth.uid()) or (select private.is_admin())))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));

create or replace function private.on_viewers_updated() returns trigger
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
    from delta where s.id = delta.session_id and s.status = 'live';
  return null;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- B8. Size bounds (bytes, as stored) on every column a client writes. Limits are listed in
--     ACCESS.md ("Size limits"); jsonb is measured as its text.
-- ---------------------------------------------------------------------------------------------
do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('customers', 'full_name', 800), ('customers', 'email', 320), ('customers', 'phone', 160),
      ('customers', 'shipping_address', 2000), ('customers', 'preferences', 4000),
      ('wholesalers', 'business_name', 800), ('wholesalers', 'description', 8000),
      ('wholesalers', 'website', 2048), ('wholesalers', 'logo_url', 2048),
      ('wholesalers', 'contact_name', 400), ('wholesalers', 'contact_email', 320),
      ('wholesalers', 'contact_phone', 160), ('wholesalers', 'tax_id', 100),
      ('wholesalers', 'business_address', 2000),
      ('influencers', 'display_name', 400), ('influencers', 'bio', 8000),
      ('influencers', 'avatar_url', 2048), ('influencers', 'payout_email', 320),
      ('admin_users', 'permissions', 2000),
      ('categories', 'name', 400), ('categories', 'slug', 200),
      ('categories', 'description', 4000),
      ('products', 'sku', 256), ('products', 'name', 800), ('products', 'description', 20000),
      ('products', 'brand', 400), ('products', 'tags', 2000), ('products', 'image_url', 2048),
      ('live_stream_sessions', 'title', 800), ('live_stream_sessions', 'description', 20000),
      ('live_stream_sessions', 'thumbnail_url', 2048),
      ('live_products', 'name', 800), ('live_products', 'description', 20000),
      ('live_products', 'image_url', 2048),
      ('orders', 'notes', 4000),
      ('queries', 'subject', 800), ('queries', 'message', 20000),
      ('queries', 'response', 20000),
      ('live_stream_chat', 'message', 2000),
      ('live_stream_viewers', 'quality', 1000),
      ('influencer_goals', 'title', 480)
    ) as t (tbl, col, max_bytes)
  loop
    execute format('alter table public.%I add constraint %I check (octet_length(%I::text) <= %s)',
                   r.tbl, r.tbl || '_' || r.col || '_size', r.col, r.max_bytes);
  end loop;
end
$$;
alter table public.products
  add constraint products_tags_count check (cardinality(tags) <= 30);

-- ---------------------------------------------------------------------------------------------
-- B9. Chat names: the name shown is derived by the database (trigger live_stream_chat_set_sender);
--     a customer's chosen chat name that reads like a host's display name or handle, or like
--     the platform's staff, is not used (the anonymous `viewer-…` handle is).
-- ---------------------------------------------------------------------------------------------
-- The comparison key of a name: compatibility-normalised (full-width and styled letters become
-- plain ones), lower case, without spaces, separators, invisible characters or punctuation.
create function private.name_key(p_name text) returns text
language sql immutable set search_path = ''
as $$
  select lower(regexp_replace(
    normalize(p_name, nfkc),
    '[[:punct:]\s\u0085\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff_]+',
    '', 'g'))
$$;
create index influencers_display_name_key_idx
  on public.influencers (private.name_key(display_name));
create index influencers_handle_key_idx on public.influencers (private.name_key(handle));

create function private.is_reserved_chat_name(p_name text) returns boolean
language sql stable security definer set search_path = ''
as $$
  select k = ''
      or k in ('shopstream', 'admin', 'administrator', 'moderator', 'mod', 'host', 'support',
               'system', 'staff')
      or exists (select 1 from public.influencers i where private.name_key(i.display_name) = k)
      or exists (select 1 from public.influencers i where private.name_key(i.handle) = k)
    from (select coalesce(private.name_key(p_name), '') as k) n
$$;

create or replace function private.chat_display_name(p_user_id uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select left(i.display_name, 60) from public.influencers i where i.user_id = p_user_id),
    (select left(n.name, 60)
       from public.customers c
      cross join lateral (select regexp_replace(c.preferences ->> 'chat_name',
              '^[\s\u00a0\u2000-\u200f\u3000\ufeff]+|[\s\u00a0\u2000-\u200f\u3000\ufeff]+$', '',
              'g') as name) n
      where c.user_id = p_user_id and not private.is_reserved_chat_name(n.name)),
    'viewer-' || left(replace(coalesce(p_user_id::text, 'anonymous'), '-', ''), 6)
  )
$$;

-- Per-user rate limits for what users write for others to read, kept in the database so every
-- client (and a hand-written HTTP call) is bound by them. A rolling window: at most max_events
-- in the last `per`, counted from a private ledger (deleting one's messages does not free quota).
create table private.rate_limits (
  action     text primary key check (action ~ '^[a-z_]{1,40}$'),
  max_events integer not null check (max_events > 0),
  per        interval not null check (per > interval '0')
);
insert into private.rate_limits (action, max_events, per) values
  ('chat', 5, interval '10 seconds'),
  ('query', 5, interval '1 hour');

create table private.rate_events (
  user_id uuid not null,
  action  text not null,
  at      timestamptz not null default now()
);
create index rate_events_user_action_at_idx on private.rate_events (user_id, action, at);

create function private.enforce_rate_limit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_action text := tg_argv[0];
  v_limit private.rate_limits;
  v_count integer;
  v_oldest timestamptz;
begin
  if v_user is null or not private.is_api_user() then
    return new;
  end if;
  select l.* into v_limit from private.rate_limits l where l.action = v_action;
  if not found then
    return new;
  end if;
  -- One writer per user and action at a time, so parallel requests cannot all pass the count.
  perform pg_advisory_xact_lock(1920234867, hashtext(v_user::text || '/' || v_action));
  delete from private.rate_events e
   where e.user_id = v_user and e.action = v_action and e.at <= now() - v_limit.per;
  select count(*), min(e.at) into v_count, v_oldest
    from private.rate_events e where e.user_id = v_user and e.action = v_action;
  if v_count >= v_limit.max_events then
    -- PT429: PostgREST answers HTTP 429 Too Many Requests.
    raise exception 'Too many % messages: at most % per %', v_action, v_limit.max_events,
                    v_limit.per
      using errcode = 'PT429',
            detail = format('Try again in %s seconds.',
                            ceil(extract(epoch from v_oldest + v_limit.per - now()))),
            hint = 'Slow down.';
  end if;
  insert into private.rate_events (user_id, action) values (v_user, v_action);
  return new;
end
$$;
create trigger enforce_rate_limit before insert on public.live_stream_chat
  for each row execute function private.enforce_rate_limit('chat');
create trigger enforce_rate_limit before insert on public.queries
  for each row execute function private.enforce_rate_limit('query');

-- ---------------------------------------------------------------------------------------------
-- B4 (continued). The grants the policies and the caller-rights functions need. Everything
-- else in `private` runs only inside SECURITY DEFINER functions and triggers (trigger functions
-- need no EXECUTE privilege of the user whose statement fires them).
-- ---------------------------------------------------------------------------------------------
grant execute on function
  private.current_customer_id(), private.current_influencer_id(),
  private.current_wholesaler_id(), private.is_admin(), private.is_super_admin(),
  private.preview_session_ids(), private.verified_wholesaler_ids()
  to anon, authenticated, service_role;
-- live_stream_chat_set_sender and the read models (earnings_by_*, show_live_stats) run as the
-- caller; CHECK constraints and triggers call is_blank, is_api_user and name_key as the writer.
grant execute on function
  private.chat_display_name(uuid), private.require_host(uuid, boolean, text),
  private.require_arg(anyelement, text), private.require_influencer(),
  private.effective_price_at(public.live_products, timestamptz),
  private.is_blank(text), private.is_api_user(), private.name_key(text)
  to authenticated, service_role;
grant execute on function private.is_blank(text), private.is_api_user(), private.name_key(text)
  to anon;
