-- Sales counters over 32 stripes, folded into one row when their show is over (issue F,
-- checkout under a hot live product). With 8 stripes, 64 buyers of one item queued 8 deep
-- behind each other's commits; a queued buyer costs CPU to wait and to be woken (the lock
-- manager, a process switch each way), and with the server's cores busy that was about a fifth
-- of a checkout's server time. Over 32 stripes the database sessions (pid mod 32) seldom share
-- one. A show that is over sells nothing more and its lineup is frozen, so its counters fold
-- into their first stripe: a platform's past shows keep one counter row per item, not 32.
-- Everything that reads or takes units from a counter works on whatever stripes it has.

alter table private.live_sales drop constraint live_sales_stripe_check;
alter table private.live_sales
  add constraint live_sales_stripe_check check (stripe between 0 and 31);

-- Stripe k's share of n units spread evenly over a counter's stripes.
create function private.stripe_share(p_units integer, p_stripe integer, p_stripes integer)
returns integer
language sql immutable set search_path = ''
as $$
  select greatest(p_units, 0) / p_stripes
         + case when p_stripe < greatest(p_units, 0) % p_stripes then 1 else 0 end
$$;

-- A new live product starts its counter from what the row says (imports carry sales).
create or replace function private.open_live_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.live_sales (live_product_id, stripe, on_sale, allocated, sold, revenue)
  select new.id, k, private.live_on_sale(new.status, new.session_id),
         private.stripe_share(new.sold_quantity, k, 32)
           + private.stripe_share(new.allocated_quantity - new.sold_quantity, k, 32),
         private.stripe_share(new.sold_quantity, k, 32),
         case when k = 0 then new.revenue else 0 end
    from generate_series(0, 31) k;
  return null;
end
$$;

-- As before, spreading over the stripes the counter has (32, or 1 once its show is over).
create or replace function private.catch_up_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_sold integer;
  v_revenue numeric;
  v_stripes integer;
begin
  select sum(c.sold), sum(c.revenue), count(*) into v_sold, v_revenue, v_stripes
    from (select c.sold, c.revenue from private.live_sales c
           where c.live_product_id = new.id order by c.stripe for no key update) c;
  if v_sold is null then
    return new;
  end if;
  if new.sold_quantity <> old.sold_quantity then
    v_sold := new.sold_quantity;
  end if;
  if new.revenue <> old.revenue then
    v_revenue := new.revenue;
  end if;
  update private.live_sales c
     set on_sale = private.live_on_sale(new.status, new.session_id),
         sold = private.stripe_share(v_sold, c.stripe, v_stripes),
         allocated = private.stripe_share(v_sold, c.stripe, v_stripes)
                     + private.stripe_share(new.allocated_quantity - v_sold, c.stripe,
                                            v_stripes),
         revenue = case when new.revenue <> old.revenue
                        then case when c.stripe = 0 then v_revenue else 0 end
                        else c.revenue end
   where c.live_product_id = new.id;
  new.sold_quantity := v_sold;
  new.revenue := v_revenue;
  return new;
end
$$;

drop function private.stripe_share(integer, integer);

-- Fold the counters of a show that is over into their first stripe (the caller holds them).
create function private.fold_sales_stripes(p_session_id uuid) returns void
language sql security definer set search_path = ''
as $$
  with folded as (
    delete from private.live_sales c using public.live_products lp
     where lp.session_id = p_session_id and c.live_product_id = lp.id and c.stripe > 0
    returning c.live_product_id, c.allocated, c.sold, c.revenue, c.show_orders, c.show_units,
              c.show_revenue
  ), totals as (
    select f.live_product_id, sum(f.allocated) as allocated, sum(f.sold) as sold,
           sum(f.revenue) as revenue, sum(f.show_orders) as show_orders,
           sum(f.show_units) as show_units, sum(f.show_revenue) as show_revenue
      from folded f group by f.live_product_id
  )
  update private.live_sales c
     set allocated = c.allocated + t.allocated, sold = c.sold + t.sold,
         revenue = c.revenue + t.revenue, show_orders = c.show_orders + t.show_orders,
         show_units = c.show_units + t.show_units, show_revenue = c.show_revenue + t.show_revenue
    from totals t
   where c.live_product_id = t.live_product_id and c.stripe = 0
$$;
revoke execute on function private.fold_sales_stripes(uuid) from public;

-- As before (sales in flight finish, the final figures are published), then the show's
-- counters fold into one row each.
create or replace function private.close_show_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform 1 from public.live_products lp where lp.session_id = new.id
   order by lp.id for no key update;
  perform 1 from private.live_sales c join public.live_products lp on lp.id = c.live_product_id
   where lp.session_id = new.id order by c.live_product_id, c.stripe for no key update of c;
  update private.live_sales c set on_sale = false
    from public.live_products lp
   where lp.session_id = new.id and c.live_product_id = lp.id;
  perform private.publish_sales(new.id);
  perform private.fold_sales_stripes(new.id);
  return new;
end
$$;

-- The counters that exist: folded into one row each, then those of shows that can still sell
-- spread over 32 stripes (the insert reads the folded totals before the update splits them).
do $$
declare
  r record;
begin
  for r in select s.id from public.live_stream_sessions s loop
    perform private.fold_sales_stripes(r.id);
  end loop;
end
$$;
insert into private.live_sales (live_product_id, stripe, on_sale, allocated, sold, revenue)
select c.live_product_id, k, c.on_sale,
       private.stripe_share(c.sold, k, 32) + private.stripe_share(c.allocated - c.sold, k, 32),
       private.stripe_share(c.sold, k, 32), 0
  from private.live_sales c
  join public.live_products lp on lp.id = c.live_product_id
  join public.live_stream_sessions s on s.id = lp.session_id
 cross join generate_series(1, 31) k
 where c.stripe = 0 and s.status not in ('ended', 'cancelled');
update private.live_sales c
   set allocated = private.stripe_share(c.sold, 0, 32)
                   + private.stripe_share(c.allocated - c.sold, 0, 32),
       sold = private.stripe_share(c.sold, 0, 32)
  from public.live_products lp
  join public.live_stream_sessions s on s.id = lp.session_id
 where c.live_product_id = lp.id and c.stripe = 0
   and s.status not in ('ended', 'cancelled');
