-- Consolidates the previous schema's live product tables into public.live_products, then drops
-- them (the design guide's "Migration Strategy"). On a database that never had them (every fresh
-- install) this migration does nothing, and running it again after it has moved the rows is
-- harmless: the legacy tables are gone, so there is nothing left to do.
--
-- Assumed legacy shapes. Only id and session_id are required; any other column may be missing,
-- and a missing column reads as NULL:
--   public.live_session_products (id uuid, session_id uuid, product_id uuid, live_price numeric,
--     quantity_allocated integer, quantity_sold integer, display_order integer,
--     created_at timestamptz)
--   public.live_stream_products (id uuid, session_id uuid, product_id uuid, name text,
--     price numeric, stock integer, sold integer, created_at timestamptz)
--
-- Mapping into public.live_products (the row keeps its id, so references made by id stay valid):
--   influencer_id       the session's host (live_stream_sessions.influencer_id)
--   product_id          the legacy product_id when that wholesale product still exists, else NULL
--   name                the legacy name; when absent or blank, the wholesale product's name;
--                       else 'Live product'. description and image_url come from the product.
--   live_price          live_price / price; when absent, the product's retail price; never < 0
--   allocated_quantity  quantity_allocated / stock (the units offered in the show), raised to
--                       the sold quantity when the legacy row sold more than it recorded
--   sold_quantity       quantity_sold / sold (0 when absent)
--   revenue             sold_quantity × live_price (the legacy tables kept no revenue)
--   position            display_order; when absent, after the show's current lineup, in the
--                       order the legacy rows were created
--   status              'sold_out' when nothing allocated is left to sell, else 'active'
--
-- Rows whose id already exists in live_products are skipped (they were consolidated earlier, or
-- both legacy tables held the same row: live_session_products wins). Rows whose session no longer
-- exists cannot be attached to a show and are skipped with a WARNING giving their number.
--
-- Triggers: live_products carries checks for live edits (the source product must be active and
-- live-eligible, the allocation within the wholesaler's current stock, the lineup of an ended
-- show frozen), the price audit trail, sold-out status and notifications. They guard edits made
-- now, not history: a legacy offer whose product has since been discontinued, or whose
-- wholesaler's stock has moved on, would be refused, and notifications would announce old
-- sales again. So the enabled triggers of live_products are disabled for this data move only
-- and enabled again, each as it was, in the same statement (status is derived here the way the
-- guard trigger derives it). Foreign keys and CHECK constraints stay enforced throughout.
-- Everything runs in one DO statement, which is atomic: if anything fails, nothing is moved, no
-- table is dropped and the triggers stay enabled. A legacy table that other objects still
-- depend on is not dropped with CASCADE: the migration fails instead, so nothing is removed
-- silently.
do $consolidate$
declare
  legacy text;
  cols text[];
  src text;
  moved bigint;
  orphans bigint;
  trg record;
  enabled_triggers text[] := '{}';
  enabled_modes "char"[] := '{}';
begin
  if to_regclass('public.live_session_products') is null
     and to_regclass('public.live_stream_products') is null then
    return;
  end if;

  -- Disable the live_products triggers that are enabled now (not those that are internal to
  -- foreign keys), remembering how each was enabled so it is restored exactly.
  for trg in
    select t.tgname::text as name, t.tgenabled as mode
    from pg_catalog.pg_trigger t
    where t.tgrelid = 'public.live_products'::regclass and not t.tgisinternal
      and t.tgenabled <> 'D'
    order by t.tgname
  loop
    enabled_triggers := enabled_triggers || trg.name;
    enabled_modes := enabled_modes || trg.mode;
    execute format('alter table public.live_products disable trigger %I', trg.name);
  end loop;

  foreach legacy in array array['live_session_products', 'live_stream_products'] loop
    continue when to_regclass(format('public.%I', legacy)) is null;

    select array_agg(c.column_name::text) into cols
    from information_schema.columns c
    where c.table_schema = 'public' and c.table_name = legacy;

    if not cols @> array['id', 'session_id'] then
      raise exception 'public.% has no id or session_id column, so it cannot be consolidated',
        legacy
        using errcode = '55000',
              hint = 'Add the missing column or move the rows by hand, then run this again.';
    end if;

    -- The legacy rows in a common shape: id, session_id, product_id, name, price, allocated,
    -- sold, position, created_at.
    src := format(
      'select l.id::uuid as id, l.session_id::uuid as session_id, %s as product_id,'
      ' %s as name, %s as price, %s as allocated, %s as sold, %s as position,'
      ' %s as created_at from public.%I l',
      case when 'product_id' = any (cols) then 'l.product_id::uuid' else 'null::uuid' end,
      case when 'name' = any (cols) then 'l.name::text' else 'null::text' end,
      case
        when 'live_price' = any (cols) then 'l.live_price::numeric'
        when 'price' = any (cols) then 'l.price::numeric'
        else 'null::numeric' end,
      case
        when 'quantity_allocated' = any (cols) then 'l.quantity_allocated::integer'
        when 'stock' = any (cols) then 'l.stock::integer'
        else 'null::integer' end,
      case
        when 'quantity_sold' = any (cols) then 'l.quantity_sold::integer'
        when 'sold' = any (cols) then 'l.sold::integer'
        else 'null::integer' end,
      case when 'display_order' = any (cols) then 'l.display_order::integer'
           else 'null::integer' end,
      case when 'created_at' = any (cols) then 'l.created_at::timestamptz'
           else 'null::timestamptz' end,
      legacy);

    execute format($move$
      with src as (%s),
      ranked as (
        select s.*,
               (row_number() over (partition by s.session_id
                                   order by s.created_at nulls last, s.id) - 1)::integer as rank
        from src s
      ),
      lineup_end as (
        select lp.session_id, max(lp.position) + 1 as next_position
        from public.live_products lp
        group by lp.session_id
      ),
      shaped as (
        select r.id, r.session_id, ss.influencer_id, p.id as product_id,
               left(coalesce(nullif(btrim(r.name), ''), p.name, 'Live product'), 200) as name,
               p.description, p.image_url,
               greatest(coalesce(r.position, coalesce(e.next_position, 0) + r.rank), 0)
                 as position,
               round(greatest(coalesce(r.price, p.retail_price, 0), 0), 2) as live_price,
               greatest(coalesce(r.sold, 0), 0) as sold,
               greatest(coalesce(r.allocated, 0), coalesce(r.sold, 0), 0) as allocated,
               coalesce(r.created_at, now()) as created_at
        from ranked r
        join public.live_stream_sessions ss on ss.id = r.session_id
        left join public.products p on p.id = r.product_id
        left join lineup_end e on e.session_id = r.session_id
      )
      insert into public.live_products (
        id, session_id, influencer_id, product_id, name, description, image_url, position,
        live_price, allocated_quantity, sold_quantity, revenue, status, created_at, updated_at)
      select s.id, s.session_id, s.influencer_id, s.product_id, s.name, s.description,
             s.image_url, s.position, s.live_price, s.allocated, s.sold,
             round(s.sold * s.live_price, 2),
             case when s.sold >= s.allocated
                  then 'sold_out' else 'active' end::public.live_product_status,
             s.created_at, now()
      from shaped s
      where not exists (select 1 from public.live_products lp where lp.id = s.id)
      order by s.session_id, s.position, s.id
      on conflict (id) do nothing
    $move$, src);
    get diagnostics moved = row_count;

    execute format(
      'select count(*) from (%s) s where not exists'
      ' (select 1 from public.live_stream_sessions ss where ss.id = s.session_id)', src)
      into orphans;
    if orphans > 0 then
      raise warning 'public.%: % row(s) belong to shows that no longer exist and were not moved',
        legacy, orphans;
    end if;
    raise notice 'public.%: % row(s) moved into public.live_products', legacy, moved;

    execute format('drop table public.%I', legacy);
  end loop;

  for i in 1 .. coalesce(array_length(enabled_triggers, 1), 0) loop
    execute format('alter table public.live_products enable %s trigger %I',
                   case enabled_modes[i] when 'A' then 'always' when 'R' then 'replica' else '' end,
                   enabled_triggers[i]);
  end loop;
end
$consolidate$;
