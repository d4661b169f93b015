-- ShopStream sample data: demo accounts, a category tree, a wholesale catalog of 5,000 products,
-- two hosts with three months of shows, orders, earnings, goals, achievements and notifications.
--
-- Deterministic: no random(). Variety comes from row numbers and md5() of them, and every key row
-- has a fixed UUID, so two runs produce the same rows. Timestamps are relative to now() (recent
-- history stays recent). Runs once after the migrations, as the database owner, with the triggers
-- of the schema in place: metrics, notifications, goal and achievement progress are left to them.
--
-- Every demo account signs in with the password "shopstream-demo" (bcrypt hash below).
--
-- Fixed id namespaces (00000000-0000-4000-NNNN-<12 digits>):
--   a000 auth users (01xx hosts, 02xx wholesalers, 03xx customers, 04xx admin)
--   b000 profile rows (same suffix as the user)   8100 categories   8200 products
--   8300 shows   8400 live products   8500 viewers   8600 chat   8700 orders   8800 order items
--   8900 earnings   8a00 goals   8c00 notifications   8d00 queries   8e00 cart

-- When this run started: rows the triggers stamp while the seed runs are dated at or after it.
create temporary table seed_clock as select now() as started;

-- ---------------------------------------------------------------------------------------------
-- Demo accounts
-- ---------------------------------------------------------------------------------------------
create temporary table seed_account (
  n int primary key, kind text not null, email text not null, display_name text not null,
  user_id uuid not null, profile_id uuid not null
);
insert into seed_account (n, kind, email, display_name, user_id, profile_id)
select a.n, a.kind, a.local || '@demo.shopstream.app', a.display_name,
       format('00000000-0000-4000-a000-%s', lpad(a.n::text, 12, '0'))::uuid,
       format('00000000-0000-4000-b000-%s', lpad(a.n::text, 12, '0'))::uuid
from (values
  (101, 'influencer', 'host', 'Maya Chen'),
  (102, 'influencer', 'host2', 'Jordan Reyes'),
  (201, 'wholesaler', 'wholesaler', 'Harbor Lane Trading Co.'),
  (202, 'wholesaler', 'wholesaler2', 'Northwind Apparel Group'),
  (203, 'wholesaler', 'wholesaler3', 'Brightline Supply'),
  (204, 'wholesaler', 'wholesaler4', 'Maple & Moss Home Goods'),
  (301, 'customer', 'customer1', 'Ava Thompson'),
  (302, 'customer', 'customer2', 'Liam Patel'),
  (303, 'customer', 'customer3', 'Sofia Garcia'),
  (304, 'customer', 'customer4', 'Noah Kim'),
  (305, 'customer', 'customer5', 'Emma Johnson'),
  (306, 'customer', 'customer6', 'Lucas Nguyen'),
  (307, 'customer', 'customer7', 'Mia Robinson'),
  (308, 'customer', 'customer8', 'Ethan Brooks'),
  (309, 'customer', 'customer9', 'Chloe Martin'),
  (310, 'customer', 'customer10', 'Mateo Silva'),
  (311, 'customer', 'customer11', 'Grace Okafor'),
  (312, 'customer', 'customer12', 'Henry Walsh'),
  (401, 'admin', 'admin', 'ShopStream Admin')
) as a (n, kind, local, display_name);

-- Columns every auth.users has (Supabase's and the local server's smaller stand-in alike).
insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                        email_confirmed_at, raw_app_meta_data, raw_user_meta_data,
                        created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', a.user_id, 'authenticated', 'authenticated',
       a.email, '$2a$10$aKVdkUIVIDpPefDCSjCqcO3u7dnHSkQsEqzq6Eej1KKrfU4d/GMra',
       now() - interval '120 days',
       '{"provider": "email", "providers": ["email"]}'::jsonb,
       jsonb_build_object('full_name', a.display_name),
       now() - interval '120 days', now() - interval '120 days'
from seed_account a
order by a.n
on conflict do nothing;

-- Supabase Auth (GoTrue) scans its token columns as strings and fails on NULL; only touch the
-- columns this auth.users has.
do $$
declare
  col text;
begin
  foreach col in array array[
    'confirmation_token', 'recovery_token', 'email_change_token_new', 'email_change',
    'email_change_token_current', 'phone_change', 'phone_change_token', 'reauthentication_token'
  ] loop
    if exists (select 1 from information_schema.columns
               where table_schema = 'auth' and table_name = 'users' and column_name = col) then
      execute format(
        'update auth.users set %1$I = '''' where %1$I is null'
        ' and id in (select user_id from seed_account)',
        col);
    end if;
  end loop;
end
$$;

-- Supabase Auth signs in email users through their identity row.
do $$
begin
  if to_regclass('auth.identities') is null then
    return;
  end if;
  if exists (select 1 from information_schema.columns
             where table_schema = 'auth' and table_name = 'identities'
               and column_name = 'provider_id') then
    execute $sql$
      insert into auth.identities (provider_id, user_id, identity_data, provider,
                                   last_sign_in_at, created_at, updated_at)
      select a.user_id::text, a.user_id,
             jsonb_build_object('sub', a.user_id::text, 'email', a.email,
                                'email_verified', true),
             'email', now() - interval '120 days', now() - interval '120 days',
             now() - interval '120 days'
      from seed_account a
      where not exists (select 1 from auth.identities i
                        where i.provider = 'email' and i.provider_id = a.user_id::text)
    $sql$;
  else
    -- Older GoTrue: the identity id is the provider's id (the user id for email).
    execute $sql$
      insert into auth.identities (id, user_id, identity_data, provider,
                                   last_sign_in_at, created_at, updated_at)
      select a.user_id::text, a.user_id,
             jsonb_build_object('sub', a.user_id::text, 'email', a.email),
             'email', now() - interval '120 days', now() - interval '120 days',
             now() - interval '120 days'
      from seed_account a
      where not exists (select 1 from auth.identities i
                        where i.provider = 'email' and i.id = a.user_id::text)
    $sql$;
  end if;
end
$$;

insert into public.admin_users (id, user_id, role, permissions)
select a.profile_id, a.user_id, 'super_admin', '["orders", "payouts", "moderation"]'::jsonb
from seed_account a where a.kind = 'admin'
on conflict do nothing;

insert into public.influencers (id, user_id, display_name, handle, bio, avatar_url,
                                follower_count, commission_rate, payout_email,
                                verification_status, created_at)
select a.profile_id, a.user_id, a.display_name, i.handle, i.bio, null, i.followers, i.rate,
       i.payout_email, 'verified', now() - interval '118 days'
from seed_account a
join (values
  (101, 'mayalive', 48200, 0.1500, 'payouts@mayachen.studio',
   'Skincare nerd and deal hunter. Live every week with beauty, wellness and home finds. '
   || 'Sundays 7pm: the Glow Hour.'),
  (102, 'jordanfinds', 21750, 0.1200, 'jordan.reyes.payouts@example.com',
   'Gadgets, gear and game night picks. I test it before you buy it.')
) as i (n, handle, followers, rate, payout_email, bio) on i.n = a.n
on conflict do nothing;

insert into public.wholesalers (id, user_id, business_name, description, website, contact_name,
                                contact_email, contact_phone, tax_id, business_address,
                                verification_status, verified_at, created_at)
select a.profile_id, a.user_id, a.display_name, w.description, w.website, w.contact,
       'sales@' || w.domain, w.phone, w.tax_id, w.address::jsonb,
       w.status::public.verification_status,
       case when w.status = 'verified' then now() - interval '110 days' end,
       now() - interval '119 days'
from seed_account a
join (values
  (201, 'Beauty, wellness and home essentials from independent labs and makers since 2009.',
   'https://harborlane.example.com', 'harborlane.example.com', 'Dana Whitfield', '+1 503 555 0142',
   'US-93-4418201', '{"line1": "1450 NW Front Ave", "city": "Portland", "region": "OR", '
   || '"postal_code": "97209", "country": "US"}', 'verified'),
  (202, 'Apparel, shoes, bags and jewelry for boutiques and live sellers.',
   'https://northwindapparel.example.com', 'northwindapparel.example.com', 'Marcus Lee',
   '+1 213 555 0187', 'US-95-2210774', '{"line1": "820 S Los Angeles St", "city": "Los Angeles", '
   || '"region": "CA", "postal_code": "90014", "country": "US"}', 'verified'),
  (203, 'Consumer electronics, toys and sporting goods. Same-day dispatch from two warehouses.',
   'https://brightline.example.com', 'brightline.example.com', 'Priya Raman', '+1 512 555 0119',
   'US-74-3390512', '{"line1": "5900 E Ben White Blvd", "city": "Austin", "region": "TX", '
   || '"postal_code": "78741", "country": "US"}', 'verified'),
  (204, 'Handmade home goods from small studios in Vermont. Awaiting verification.',
   'https://maplemoss.example.com', 'maplemoss.example.com', 'Hannah Ortiz', '+1 802 555 0164',
   'US-03-7781204', '{"line1": "12 Mill St", "city": "Burlington", "region": "VT", '
   || '"postal_code": "05401", "country": "US"}', 'pending')
) as w (n, description, website, domain, contact, phone, tax_id, address, status) on w.n = a.n
on conflict do nothing;

insert into public.customers (id, user_id, full_name, email, phone, shipping_address, preferences,
                              created_at)
select a.profile_id, a.user_id, a.display_name, a.email,
       format('+1 %s 555 %s', c.area, lpad((100 + a.n)::text, 4, '0')),
       jsonb_build_object('name', a.display_name, 'line1', c.street, 'city', c.city,
                          'region', c.region, 'postal_code', c.zip, 'country', 'US'),
       jsonb_build_object('size', c.size, 'chat_name', c.chat_name,
                          'notifications', jsonb_build_object('email', true)),
       now() - make_interval(days => 60 + a.n % 50)
from seed_account a
join (values
  (301, '415', '742 Valencia St', 'San Francisco', 'CA', '94110', 'S', 'ava.t'),
  (302, '312', '1550 N Damen Ave', 'Chicago', 'IL', '60622', 'L', 'liam.p'),
  (303, '305', '2100 Coral Way', 'Miami', 'FL', '33145', 'M', 'sofia.g'),
  (304, '206', '411 NE 45th St', 'Seattle', 'WA', '98105', 'M', 'noahk'),
  (305, '617', '88 Tremont St', 'Boston', 'MA', '02108', 'S', 'emma.j'),
  (306, '713', '2402 Montrose Blvd', 'Houston', 'TX', '77006', 'L', 'lucas_n'),
  (307, '404', '680 Ponce De Leon Ave', 'Atlanta', 'GA', '30308', 'XS', 'mia.rob'),
  (308, '303', '1701 Wynkoop St', 'Denver', 'CO', '80202', 'XL', 'ethanb'),
  (309, '612', '315 1st Ave N', 'Minneapolis', 'MN', '55401', 'M', 'chloe.m'),
  (310, '602', '4130 N Central Ave', 'Phoenix', 'AZ', '85012', 'L', 'mateo.s'),
  (311, '919', '510 Glenwood Ave', 'Raleigh', 'NC', '27603', 'M', 'grace.o'),
  (312, '615', '1200 Broadway', 'Nashville', 'TN', '37203', 'L', 'henryw')
) as c (n, area, street, city, region, zip, size, chat_name) on c.n = a.n
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------
-- Category tree and the word lists product names are composed from
-- ---------------------------------------------------------------------------------------------
create temporary table seed_top (
  top_no int primary key, name text, slug text, description text, brands text[],
  wholesaler_n int
);
insert into seed_top values
  (1, 'Beauty', 'beauty', 'Skincare, makeup, hair care, fragrance and nails.',
   '{Lumière Skin,Petal & Pine,Dewdrop Lab,Kōra Beauty,Vela Cosmetics,Saltwater Studio}', 201),
  (2, 'Fashion', 'fashion', 'Clothing, shoes and bags for every day and every occasion.',
   '{Northwind,Sable & Stone,Linea,Coast Edit,Urban Thread,Marlowe}', 202),
  (3, 'Home & Kitchen', 'home-kitchen', 'Cookware, gadgets, decor, bedding and storage.',
   '{Hearth & Oak,Casa Verde,Kindred Kitchen,Nestwell,Tidyhome,Slate & Salt}', 201),
  (4, 'Electronics', 'electronics',
   'Audio, phone and computer accessories, smart home, creator gear.',
   '{Voltix,Nimbus Audio,Arclight,Kinetic,Lumo,Brightwave}', 203),
  (5, 'Jewelry & Accessories', 'jewelry-accessories',
   'Necklaces, earrings, watches, sunglasses and more.',
   '{Aurelia,Goldleaf & Co.,Mira Jewelry,Solstice,Tidal Charm,Everly}', 202),
  (6, 'Toys & Games', 'toys-games', 'Board games, puzzles, building sets, plush and outdoor play.',
   '{Playmakers,Tiny Tinker,Brightbox,Meeple House,Wonderfolk,Kidpop}', 203),
  (7, 'Sports & Outdoors', 'sports-outdoors', 'Fitness, camping, cycling and team sports.',
   '{Summit Gear,Trailbound,CoreFlex,Velo Co.,Fieldday,Alpenglow}', 203),
  (8, 'Health & Wellness', 'health-wellness', 'Supplements, personal care, relaxation and sleep.',
   '{Vitalis,Pure Ritual,Calm Cove,Nourish Lab,Restwell,Greenleaf}', 201);

create temporary table seed_subcategory (
  top_no int, sub_no int, name text, slug text, lines text[], items text[], variants text[],
  wmin numeric, wmax numeric, grams int, primary key (top_no, sub_no)
);
insert into seed_subcategory values
  (1, 1, 'Skincare', 'skincare', '{Glow,Hydra,Pure Calm,Dewy,Radiance,Barrier}',
   '{Serum 30ml,Moisturizer 50ml,Gel Cleanser 150ml,Eye Cream 15ml,Sheet Mask 5-Pack,Toner 200ml}',
   '{Vitamin C,Hyaluronic Acid,Niacinamide,Retinol,Ceramide,Green Tea}', 4, 18, 120),
  (1, 2, 'Makeup', 'makeup', '{Velvet,Soft Focus,Bold,Nude Edit,Luminous,Everyday}',
   '{Matte Lipstick,Liquid Foundation 30ml,Cream Blush,Volumizing Mascara,Eyeshadow Palette,'
   'Brow Pencil}',
   '{Rosewood,Warm Beige,Coral Crush,Berry,Mocha,Classic Red}', 3, 16, 60),
  (1, 3, 'Hair Care', 'hair-care', '{Silk,Repair,Curl Love,Volume Boost,Scalp Refresh,Argan}',
   '{Shampoo 300ml,Conditioner 300ml,Hair Mask 200ml,Leave-In Spray 150ml,Hair Oil 50ml,'
   'Dry Shampoo 200ml}',
   '{Coconut,Argan Oil,Tea Tree,Rosemary,Keratin}', 3, 14, 320),
  (1, 4, 'Fragrance', 'fragrance', '{Midnight,Bloom,Amber,Citrus Grove,Velvet Oud,Sea Salt}',
   '{Eau de Parfum 50ml,Eau de Toilette 100ml,Body Mist 236ml,Rollerball 10ml,Solid Perfume,'
   'Discovery Set 5x2ml}',
   '{Vanilla,Jasmine,Sandalwood,Bergamot,Rose,Fig}', 6, 35, 180),
  (1, 5, 'Nails', 'nails', '{Gloss,Chip-Free,Studio,Quick Dry,Salon,Mirror}',
   '{Gel Polish 15ml,Press-On Nails 24pc,Cuticle Oil Pen,Top Coat,Nail Art Kit}',
   '{Blush Pink,Midnight Blue,Cherry,Nude,Lilac,Glitter Gold}', 2, 9, 40),
  (2, 1, 'Women''s Tops', 'womens-tops', '{Oversized,Relaxed,Cropped,Classic,Ribbed,Everyday}',
   '{Linen Shirt,Cotton Tee,Knit Cardigan,Satin Blouse,Tank Top,Hoodie}',
   '{"Sand, M","Black, S","White, L","Sage, M","Navy, XL","Blush, S"}', 5, 22, 250),
  (2, 2, 'Dresses', 'dresses', '{Wrap,Slip,Midi,Maxi,Shirt,Tiered}',
   '{Floral Dress,Linen Dress,Knit Dress,Satin Dress,Sundress,Denim Dress}',
   '{"Terracotta, S","Black, M","Ivory, L","Emerald, M","Dusty Rose, XS","Navy, L"}', 8, 30, 350),
  (2, 3, 'Men''s Clothing', 'mens-clothing', '{Heritage,Tech,Slim Fit,Weekend,Utility,Classic}',
   '{Oxford Shirt,Chino Pants,Crewneck Sweater,Polo Shirt,Bomber Jacket,Joggers}',
   '{"Olive, M","Charcoal, L","Navy, 32","Khaki, 34","White, XL","Black, M"}', 7, 35, 450),
  (2, 4, 'Shoes', 'shoes', '{Cloud,Street,Trail,Classic,Comfort,City}',
   '{Sneakers,Loafers,Ankle Boots,Slides,Running Shoes,Ballet Flats}',
   '{"White, 8","Black, 9","Tan, 7","Grey, 10","Navy, 8.5","Cream, 6"}', 12, 45, 800),
  (2, 5, 'Bags', 'bags', '{Everyday,Mini,Weekender,Structured,Soft,Quilted}',
   '{Tote Bag,Crossbody Bag,Backpack,Belt Bag,Clutch,Shoulder Bag}',
   '{"Vegan Leather, Black","Canvas, Natural","Nylon, Olive","Suede, Taupe",'
   '"Leather, Cognac"}', 8, 40, 600),
  (3, 1, 'Cookware', 'cookware', '{ProChef,Ceramic Pro,Cast Iron,Everyday,Stainless,Nonstick}',
   '{Frying Pan,Saucepan with Lid,Dutch Oven,Wok,Grill Pan,Saute Pan}',
   '{"24cm, Graphite","28cm, Sage","20cm, Cream","26cm, Terracotta","30cm, Black"}', 10, 60, 1800),
  (3, 2, 'Kitchen Gadgets', 'kitchen-gadgets', '{Smart,Easy,Chef''s,Compact,Pro,Mini}',
   '{Garlic Press,Vegetable Chopper,Digital Kitchen Scale,Milk Frother,Silicone Spatula Set,'
   'Herb Scissors}',
   '{Stainless Steel,Matte Black,Sage Green,White,Bamboo}', 2, 20, 300),
  (3, 3, 'Home Decor', 'home-decor', '{Boho,Nordic,Coastal,Minimal,Vintage,Golden Hour}',
   '{Throw Pillow Cover 18in,Ceramic Vase,Scented Candle 8oz,Wall Mirror,Table Lamp,Woven Basket}',
   '{Cream,Terracotta,Sage,Charcoal,Natural,Blush}', 4, 30, 900),
  (3, 4, 'Bedding & Bath', 'bedding-bath', '{Cloud,Hotel,Linen,Cozy,Bamboo,Waffle}',
   '{Sheet Set,Duvet Cover,Bath Towel Set,Weighted Blanket,Pillowcase Pair,Bath Robe}',
   '{"Queen, White","King, Grey","Full, Sage","Queen, Oat","Twin, Navy"}', 12, 60, 1500),
  (3, 5, 'Storage & Organization', 'storage-organization', '{Clear,Stack,Tidy,Modular,Slim,Bamboo}',
   '{Pantry Container Set,Drawer Organizer,Closet Bin,Shoe Rack,Spice Rack,Under-Bed Storage Bag}',
   '{Set of 4,Set of 6,Large,Medium,White,Natural}', 4, 25, 1100),
  (4, 1, 'Audio', 'audio', '{Pulse,Bass,Studio,Air,Echo,Clear}',
   '{Wireless Earbuds,Over-Ear Headphones,Bluetooth Speaker,Soundbar,Neckband Earphones,'
   'Party Speaker}',
   '{Black,White,Midnight Blue,Sand,Red}', 10, 80, 400),
  (4, 2, 'Phone Accessories', 'phone-accessories', '{Armor,Slim,MagSnap,PowerUp,Clear,Flex}',
   '{Phone Case,Screen Protector 2-Pack,Wireless Charger 15W,Power Bank 10000mAh,'
   'USB-C Cable 2m,Car Mount}',
   '{Black,Clear,Navy,Pink,Graphite}', 2, 18, 150),
  (4, 3, 'Smart Home', 'smart-home', '{Home,Smart,Lumi,Secure,Eco,Connect}',
   '{Wi-Fi Smart Plug,LED Smart Bulb,Indoor Security Camera,Video Doorbell,Smart Thermostat,'
   'Motion Sensor}',
   '{1-Pack,2-Pack,4-Pack,White,Black}', 6, 70, 350),
  (4, 4, 'Computer Accessories', 'computer-accessories', '{Ergo,Pro,Compact,Glide,Studio,Travel}',
   '{Wireless Mouse,Mechanical Keyboard,USB-C Hub 7-in-1,Laptop Stand,Webcam 1080p,Desk Mat}',
   '{Black,White,Space Grey,Pink,Sage}', 8, 60, 700),
  (4, 5, 'Cameras & Lighting', 'cameras-lighting', '{Vlog,Glow,Creator,Pocket,Studio,Live}',
   '{Ring Light 10in,Phone Tripod,Wireless Lavalier Mic,LED Panel Light,Action Camera 4K,'
   'Selfie Stick}',
   '{Black,White,Starter Kit,Pro Kit,Travel Edition}', 8, 90, 650),
  (5, 1, 'Necklaces', 'necklaces', '{Dainty,Layered,Pearl,Charm,Herringbone,Birthstone}',
   '{Pendant Necklace,Chain Necklace,Choker,Locket,Initial Necklace,Paperclip Chain}',
   '{18K Gold Plated,Sterling Silver,Rose Gold,Gold Vermeil}', 3, 25, 30),
  (5, 2, 'Earrings', 'earrings', '{Huggie,Drop,Pearl,Statement,Mini,Everyday}',
   '{Hoop Earrings,Stud Earrings,Drop Earrings,Ear Cuff,Threader Earrings,Earring Stack Set}',
   '{18K Gold Plated,Sterling Silver,Rose Gold,Gold Vermeil,Silver Tone}', 2, 18, 20),
  (5, 3, 'Watches', 'watches', '{Classic,Minimal,Sport,Heritage,Slim,Field}',
   '{Quartz Watch 36mm,Chronograph Watch 42mm,Fitness Watch,Mesh Strap Watch,Leather Strap Watch}',
   '{Gold/White,Silver/Black,Rose Gold,Black/Black,Tan Leather,Navy/Silver}', 12, 70, 120),
  (5, 4, 'Sunglasses', 'sunglasses', '{Retro,Cat-Eye,Aviator,Oversized,Sport,Round}',
   '{Polarized Sunglasses,Sunglasses,Blue Light Glasses,Clip-On Shades,Kids'' Sunglasses}',
   '{Tortoise,Black,Gold/Green,Clear,Havana,Rose}', 4, 20, 60),
  (5, 5, 'Hair Accessories', 'hair-accessories', '{Silk,Pearl,Claw,Velvet,Everyday,Satin}',
   '{Scrunchie 3-Pack,Claw Clip,Headband,Hair Pin Set,Bow Barrette}',
   '{Champagne,Black,Tortoise,Blush,Sage,Ivory}', 1, 8, 40),
  (6, 1, 'Board Games', 'board-games', '{Family,Party,Strategy,Classic,Travel,Cozy}',
   '{Board Game,Card Game,Trivia Game,Dice Game,Cooperative Game}',
   '{Ages 8+,Ages 10+,Ages 14+,2-6 Players,Deluxe Edition,Expansion Pack}', 6, 30, 900),
  (6, 2, 'Puzzles', 'puzzles', '{Scenic,Art,Wildlife,Vintage,Map,Cozy}',
   '{Jigsaw Puzzle 1000pc,Jigsaw Puzzle 500pc,3D Puzzle,Wooden Puzzle,Puzzle Roll-Up Mat}',
   '{Mountain Lake,Ocean Life,Starry Night,City at Dusk,Wildflowers,Autumn Market}', 5, 18, 700),
  (6, 3, 'Building Sets', 'building-sets', '{Builder,Creator,Mini,Mega,City,Space}',
   '{Construction Set,Magnetic Tiles 60pc,Marble Run,Robot Kit,Castle Set}',
   '{Ages 4+,Ages 6+,Ages 8+,Ages 10+,Starter,Deluxe}', 8, 45, 1200),
  (6, 4, 'Plush & Dolls', 'plush-dolls', '{Cuddle,Snuggle,Dream,Pocket,Jumbo,Sweet}',
   '{Teddy Bear,Bunny Plush,Fashion Doll,Dinosaur Plush,Unicorn Plush,Sloth Plush}',
   '{12in,18in,24in,Pastel,Classic}', 4, 22, 400),
  (6, 5, 'Outdoor Play', 'outdoor-play', '{Splash,Zoom,Sky,Backyard,Sunny,Turbo}',
   '{Water Blaster,Kite,Bubble Machine,Kick Scooter,Sidewalk Chalk Set}',
   '{Red,Blue,Green,Rainbow,Yellow,Purple}', 4, 35, 900),
  (7, 1, 'Yoga & Fitness', 'yoga-fitness', '{Flow,Core,Balance,Studio,Active,Zen}',
   '{Yoga Mat 6mm,Resistance Bands Set,Adjustable Dumbbell,Foam Roller,Jump Rope,'
   'Yoga Block 2-Pack}',
   '{Lavender,Black,Sage,Blush,Ocean Blue}', 5, 45, 1300),
  (7, 2, 'Camping & Hiking', 'camping-hiking', '{Summit,Trail,Basecamp,Ridge,Nomad,Canyon}',
   '{2-Person Tent,Sleeping Bag,Hiking Daypack 25L,Camping Lantern,Trekking Poles,'
   'Insulated Bottle 32oz}',
   '{Forest Green,Slate,Orange,Sand,Navy}', 8, 80, 1600),
  (7, 3, 'Cycling', 'cycling', '{Velo,Urban,Ride,Aero,Commuter,Gravel}',
   '{Bike Helmet,Bike Light Set,Cycling Gloves,U-Lock,Saddle Bag}',
   '{Matte Black,White,Neon Yellow,Red,Grey,Blue}', 6, 45, 500),
  (7, 4, 'Team Sports', 'team-sports', '{Pro,Match,Training,Club,Street,Elite}',
   '{Soccer Ball Size 5,Basketball,Volleyball,Agility Ladder,Training Cones 12-Pack}',
   '{White/Black,Orange,Blue/Yellow,Neon Green,Red/White}', 6, 30, 500),
  (8, 1, 'Vitamins & Supplements', 'vitamins-supplements', '{Daily,Vital,Pure,Glow,Active,Calm}',
   '{Multivitamin Gummies 60ct,Collagen Powder 300g,Electrolyte Mix 20 Sticks,'
   'Protein Powder 1kg,Greens Powder 30 Servings,Sleep Gummies 60ct}',
   '{Mixed Berry,Unflavored,Lemon,Peach Mango,Chocolate}', 5, 25, 450),
  (8, 2, 'Personal Care', 'personal-care', '{Fresh,Gentle,Clean,Soothing,Pure,Daily}',
   '{Body Wash 500ml,Natural Deodorant,Body Lotion 400ml,Electric Toothbrush,'
   'Shower Steamers 6-Pack,Lip Balm 3-Pack}',
   '{Eucalyptus,Lavender,Unscented,Coconut,Cucumber}', 2, 30, 400),
  (8, 3, 'Massage & Relaxation', 'massage-relaxation', '{Relax,Deep,Zen,Recovery,Travel,Cloud}',
   '{Massage Gun,Neck Massager,Acupressure Mat,Heated Eye Mask,Essential Oil Diffuser,'
   'Weighted Eye Pillow}',
   '{Graphite,White,Sage,Rose,Black}', 8, 60, 800),
  (8, 4, 'Sleep', 'sleep', '{Dream,Deep Sleep,Cloud,Night,Hush,Moonlight}',
   '{Silk Sleep Mask,Memory Foam Pillow,White Noise Machine,Pillow Mist 100ml,Cooling Pillowcase}',
   '{Champagne,Lavender,Midnight,Pearl,Charcoal}', 4, 30, 600);

insert into public.categories (id, parent_id, name, slug, description, sort_order, created_at)
select format('00000000-0000-4000-8100-%s', lpad((t.top_no * 100)::text, 12, '0'))::uuid,
       null, t.name, t.slug, t.description, t.top_no, now() - interval '119 days'
from seed_top t
order by t.top_no
on conflict do nothing;

insert into public.categories (id, parent_id, name, slug, description, sort_order, created_at)
select format('00000000-0000-4000-8100-%s', lpad((s.top_no * 100 + s.sub_no)::text, 12, '0'))::uuid,
       format('00000000-0000-4000-8100-%s', lpad((s.top_no * 100)::text, 12, '0'))::uuid,
       s.name, t.slug || '-' || s.slug,
       format('%s: %s.', s.name, lower(array_to_string(s.items[1:3], ', '))), s.sub_no,
       now() - interval '119 days'
from seed_subcategory s join seed_top t using (top_no)
order by s.top_no, s.sub_no
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------
-- Wholesale catalog: 5,000 products spread evenly over the 38 subcategories. Within a
-- subcategory the k-th product gets the combination (k * p) mod M of line × item × variant
-- (M = their product, p a prime not dividing M), so names do not repeat inside a subcategory.
-- ---------------------------------------------------------------------------------------------
insert into public.products (id, wholesaler_id, category_id, sku, name, description, brand, tags,
                             wholesale_price, retail_price, stock_quantity, min_order_quantity,
                             status, is_live_eligible, weight_grams, created_at, updated_at)
with numbered as (
  select g.n, (g.n - 1) % 38 as s_idx, (g.n - 1) / 38 as k,
         ('x' || substr(md5('shopstream-product-' || g.n), 1, 7))::bit(28)::int as h1,
         ('x' || substr(md5('shopstream-product-' || g.n), 8, 7))::bit(28)::int as h2,
         ('x' || substr(md5('shopstream-product-' || g.n), 15, 7))::bit(28)::int as h3,
         ('x' || substr(md5('shopstream-product-' || g.n), 22, 7))::bit(28)::int as h4
  from generate_series(1, 5000) as g (n)
), sub as (
  select s.*, t.slug as top_slug, t.brands, t.wholesaler_n,
         (row_number() over (order by s.top_no, s.sub_no) - 1)::int as s_idx,
         cardinality(s.lines) as nl, cardinality(s.items) as ni, cardinality(s.variants) as nv
  from seed_subcategory s join seed_top t using (top_no)
), combo as (
  select n.*, sub.*,
         (n.k * case when (sub.nl * sub.ni * sub.nv) % 7 = 0 then 11 else 7 end)
           % (sub.nl * sub.ni * sub.nv) as m
  from numbered n join sub using (s_idx)
), parts as (
  select c.*,
         c.lines[1 + (c.m / c.nv) % c.nl] as line,
         c.items[1 + c.m / (c.nv * c.nl)] as item,
         c.variants[1 + c.m % c.nv] as variant,
         c.brands[1 + ((c.m / c.nv) % c.nl + c.sub_no) % cardinality(c.brands)] as brand,
         -- The pending wholesaler supplies a quarter of Home & Kitchen, still in draft.
         case when c.top_no = 3 and c.n % 4 = 0 then 204 else c.wholesaler_n end as wn,
         round((c.wmin + (c.wmax - c.wmin) * (c.h1 % 1000) / 1000.0) * 4) / 4 as wholesale
  from combo c
)
select format('00000000-0000-4000-8200-%s', lpad(p.n::text, 12, '0'))::uuid,
       format('00000000-0000-4000-b000-%s', lpad(p.wn::text, 12, '0'))::uuid,
       format('00000000-0000-4000-8100-%s', lpad((p.top_no * 100 + p.sub_no)::text, 12, '0'))::uuid,
       format('%s-%s-%s', upper(left(replace(p.slug, '-', ''), 3)), lpad(p.sub_no::text, 2, '0'),
              lpad(p.n::text, 5, '0')),
       p.line || ' ' || p.item || ' – ' || p.variant,
       format('%s %s by %s, in %s. %s Ships from %s.', p.line, p.item, p.brand, p.variant,
              case p.h2 % 4
                when 0 then 'A customer favourite, restocked every month.'
                when 1 then 'New this season.'
                when 2 then 'Gift-ready packaging.'
                else 'Tested by our team before it ships.' end,
              case p.wn when 201 then 'Portland, OR' when 202 then 'Los Angeles, CA'
                        when 203 then 'Austin, TX' else 'Burlington, VT' end),
       p.brand,
       array_remove(array[p.top_slug, p.slug, lower(replace(p.line, ' ', '-')),
                          case when p.h2 % 9 = 0 then 'bestseller' end,
                          case when p.h2 % 11 = 0 then 'new-arrival' end,
                          case when p.h2 % 13 = 0 then 'gift-idea' end], null),
       p.wholesale,
       ceil(p.wholesale * (1.8 + (p.h2 % 80) / 100.0)) - 0.01,
       case when p.h3 % 25 = 0 then 0 else 20 + (p.h3 / 25) % 1981 end,
       case when p.h4 % 17 = 0 then 6 else 1 end,
       (case when p.wn = 204 then 'draft'
             when p.h4 % 100 < 3 then 'draft'
             when p.h4 % 100 < 5 then 'inactive'
             when p.h4 % 100 < 6 then 'discontinued'
             else 'active' end)::public.product_status,
       p.h4 % 10 <> 7,
       greatest(1, p.grams * (70 + p.h3 % 60) / 100),
       now() - make_interval(days => 20 + p.h1 % 400, mins => p.n % 1440),
       now() - make_interval(days => 1 + p.h1 % 19, mins => p.n % 1440)
from parts p
order by p.n
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------
-- Shows, planned first in temporary tables: ten past shows for Maya, eight for Jordan, one
-- cancelled show, and one upcoming show each (Maya's is the studio's draft show, with a lineup
-- and no orders). Nothing is planned when the demo host already has shows, so every statement
-- below that works from these plans does nothing when the seed runs a second time.
-- ---------------------------------------------------------------------------------------------
create temporary table seed_show as
with spec (host_n, k, show_no, kind, days_ago, at_hour, title, blurb) as (
  select 101, k, k, 'past', 2 + 9 * (k - 1), 19,
         (array['Glow Hour: Vitamin C Week', 'Sunday Skincare Reset', 'Self-Care Sunday Deals',
                'Beauty Steals Under $25', 'Cozy Home Finds', 'Wellness Wednesday Live',
                'Jewelry Box Refresh', 'Gift Guide Preview', 'Spa Night Favourites',
                'Fragrance Friday'])[k],
         (array['Serums, SPF and the brightening routine you asked for.',
                'Cleansers, toners and a full reset routine, live.',
                'Bath, body and little luxuries for your Sunday.',
                'Every deal tonight is under $25. Come early for the flash sale.',
                'Candles, throws and kitchen upgrades for the colder months.',
                'Supplements, sleep and recovery tools I actually use.',
                'Layering necklaces, huggies and pieces that go with everything.',
                'First look at the gifts everyone will ask for.',
                'Masks, mists and massage tools for a night in.',
                'Discovery sets and full sizes: let''s find your signature scent.'])[k]
  from generate_series(1, 10) as k
  union all
  select 102, k, 10 + k, 'past', 4 + 11 * (k - 1), 20,
         (array['Gadget Garage', 'Game Night Haul', 'Desk Setup Upgrades', 'Creator Kit Live',
                'Trail Ready Gear', 'Smart Home Sunday', 'Audio Shootout',
                'Weekend Warrior Deals'])[k],
         (array['Chargers, cases and the gadgets that survived my testing.',
                'Board games and puzzles for every table size.',
                'Keyboards, hubs and stands for a better desk.',
                'Ring lights, mics and tripods for streamers on a budget.',
                'Tents, packs and lanterns before the season starts.',
                'Plugs, bulbs and cameras: a smarter home in one evening.',
                'Earbuds vs headphones vs speakers: you vote, I test.',
                'Fitness and outdoor deals for your weekend.'])[k]
  from generate_series(1, 8) as k
  union all
  select 101, 0, 900, 'upcoming', -3, 19, 'Holiday Glow-Up Live',
         'Twelve of my favourite skincare and wellness picks, with live-only prices and a '
         || 'flash sale every half hour.'
  union all
  select 102, 0, 901, 'upcoming', -6, 20, 'Tech Gifts Under $50',
         'Stocking stuffers and desk upgrades, all under $50.'
  union all
  select 102, 0, 902, 'cancelled', 20, 20, 'Camping Gear Clearance',
         'Rescheduled: the warehouse delivery is late.'
)
select s.show_no, s.k, s.kind, s.host_n, a.profile_id as influencer_id, a.user_id as host_user_id,
       a.display_name as host_name, s.title, s.blurb,
       format('00000000-0000-4000-8300-%s', lpad(s.show_no::text, 12, '0'))::uuid as id,
       date_trunc('day', now()) - make_interval(days => s.days_ago)
         + make_interval(hours => s.at_hour) as starts,
       60 + (s.k * 13) % 35 as minutes,
       case when s.kind <> 'past' then 0
            when s.host_n = 101 then 28 + (s.k * 7) % 15 else 18 + (s.k * 5) % 11 end as orders,
       case when s.kind <> 'past' then 0
            when s.host_n = 101 then 380 + (s.k * 71) % 260 else 150 + (s.k * 37) % 140 end
         as viewers,
       case when s.kind <> 'past' then 0
            when s.host_n = 101 then 60 + (s.k * 7) % 25 else 35 + (s.k * 5) % 15 end as chats,
       case when s.kind = 'past' then case s.host_n when 101 then 8 else 7 end
            when s.kind = 'upcoming' then case s.host_n when 101 then 12 else 6 end
            else 0 end as lineup_size
from spec s
join seed_account a on a.n = s.host_n
where not exists (select 1 from public.live_stream_sessions x
                  join seed_account h on h.profile_id = x.influencer_id and h.kind = 'influencer');

insert into public.live_stream_sessions (
  id, influencer_id, title, description, session_code, status, scheduled_start, scheduled_end,
  hms_room_id, hms_host_room_code, hms_viewer_room_code, stream_key, created_at, updated_at)
select s.id, s.influencer_id, s.title, s.blurb,
       -- Eight characters of the session-code alphabet (no look-alikes), from md5 bytes.
       (select string_agg(substr('ABCDEFGHJKMNPQRSTUVWXYZ23456789',
                                 1 + get_byte(decode(md5('session-code-' || s.show_no), 'hex'), b)
                                   % 31, 1), '' order by b)
          from generate_series(0, 7) as b),
       'scheduled', s.starts, s.starts + interval '90 minutes',
       left(md5('room-' || s.show_no), 24),
       format('%s-%s-%s', substr(md5('host-' || s.show_no), 1, 3),
              substr(md5('host-' || s.show_no), 4, 4), substr(md5('host-' || s.show_no), 8, 3)),
       format('%s-%s-%s', substr(md5('view-' || s.show_no), 1, 3),
              substr(md5('view-' || s.show_no), 4, 4), substr(md5('view-' || s.show_no), 8, 3)),
       'live_' || md5('stream-key-' || s.show_no),
       least(s.starts - interval '6 days', now() - interval '1 day'),
       least(s.starts - interval '6 days', now() - interval '1 day')
from seed_show s
order by s.show_no;

update public.live_stream_sessions x set status = 'cancelled'
from seed_show s where s.id = x.id and s.kind = 'cancelled';

-- Lineups: products of the host's categories (Maya: beauty, home, jewelry, wellness; Jordan:
-- electronics, toys, sports, fashion) that are live-eligible and well stocked.
create temporary table seed_lineup as
with eligible as (
  select p.id as product_id, p.name, p.description, p.retail_price, p.sku, p.wholesaler_id,
         h.host_n,
         row_number() over (partition by h.host_n order by p.id) as rn,
         count(*) over (partition by h.host_n) as cnt
  from public.products p
  join public.categories c on c.id = p.category_id
  join public.categories top on top.id = c.parent_id
  join public.wholesalers w on w.id = p.wholesaler_id and w.verification_status = 'verified'
  cross join lateral (select case when top.sort_order in (1, 3, 5, 8) then 101 else 102 end
                        as host_n) h
  where p.status = 'active' and p.is_live_eligible and p.stock_quantity >= 150
    and p.id::text like '00000000-0000-4000-8200-%'
), picked as (
  select s.show_no, s.id as session_id, s.influencer_id, s.kind, s.starts, s.minutes, g.pos, e.*
  from seed_show s
  cross join lateral generate_series(0, s.lineup_size - 1) as g (pos)
  join eligible e on e.host_n = s.host_n and e.rn = 1 + (s.show_no * 131 + g.pos * 97) % e.cnt
), priced as (
  select pk.*,
         greatest(floor(pk.retail_price * (0.70 + ((pk.show_no + pk.pos) % 4) * 0.05)) - 0.01,
                  0.99) as live_price
  from picked pk
)
select format('00000000-0000-4000-8400-%s', lpad((pr.show_no * 100 + pr.pos)::text, 12, '0'))::uuid
         as id,
       pr.*,
       -- One flash sale per past show: five minutes on the second product, 40% into the show.
       case when pr.kind = 'past' and pr.pos = 1 and pr.live_price >= 4.99
            then greatest(round(pr.live_price * 0.8) - 0.01, 0.49) end as flash_price,
       case when pr.kind = 'past' and pr.pos = 1 and pr.live_price >= 4.99
            then pr.starts + interval '2 minutes' + make_interval(mins => pr.minutes * 4 / 10)
       end as flash_starts_at
from priced pr;

-- Orders: during each past show (a few with a wholesale add-on), plus direct catalog orders
-- over the last three months. outcome: paid, refund (paid, refunded days later), fail (payment
-- failed), pending (payment not confirmed yet).
create temporary table seed_order as
with live_orders as (
  select format('00000000-0000-4000-8700-%s', lpad((s.show_no * 1000 + o)::text, 12, '0'))::uuid
           as id,
         s.show_no, o, 1 + (s.show_no * 5 + o * 7) % 12 as customer_no,
         s.starts + interval '2 minutes'
           + make_interval(secs => s.minutes * 60 * (0.04 + 0.92 * (o - 1) / s.orders)
                                   + (o * 37) % 50) as placed_at,
         case when s.show_no = 1 and o > s.orders - 3 then 'pending'
              when (s.show_no * 1000 + o) % 29 = 7 then 'refund'
              when (s.show_no * 1000 + o) % 47 = 11 then 'fail'
              else 'paid' end as outcome
  from seed_show s
  cross join lateral generate_series(1, s.orders) as o
  where s.kind = 'past'
), catalog_orders as (
  select format('00000000-0000-4000-8700-%s', lpad((500000 + w)::text, 12, '0'))::uuid as id,
         null::integer as show_no, w as o, 1 + (w * 5 + 3) % 12 as customer_no,
         date_trunc('day', now()) - make_interval(days => 1 + (w * 89) % 88)
           + make_interval(mins => 480 + (w * 37) % 660) as placed_at,
         case when w % 31 = 5 then 'refund' when w = 2 then 'pending' else 'paid' end as outcome
  from generate_series(1, 100) as w
  where exists (select 1 from seed_show)
)
select x.*, row_number() over (order by x.placed_at, x.id) as seq
from (select * from live_orders union all select * from catalog_orders) x;

-- The catalog direct orders and add-ons draw from, numbered.
create temporary table seed_catalog (rn bigint primary key, cnt bigint, id uuid, name text,
                                     sku text, retail_price numeric, wholesaler_id uuid);
insert into seed_catalog
select row_number() over (order by p.id), count(*) over (), p.id, p.name, p.sku, p.retail_price,
       p.wholesaler_id
from public.products p
join public.wholesalers w on w.id = p.wholesaler_id and w.verification_status = 'verified'
where p.status = 'active' and p.stock_quantity >= 20 and p.min_order_quantity = 1
  and p.id::text like '00000000-0000-4000-8200-%'
  and exists (select 1 from seed_show);

create temporary table seed_item as
with catalog as (select * from seed_catalog), live_lines as (
  select o.id as order_id, l.id as live_product_id, sum(c.qty) as qty
  from seed_order o
  join seed_show s on s.show_no = o.show_no
  cross join lateral generate_series(0, case when o.o % 5 = 0 then 2 when o.o % 3 = 0 then 1
                                            else 0 end) as i
  cross join lateral (
    select case
             when i = 0 and exists (
               select 1 from seed_lineup f
               where f.show_no = s.show_no and f.flash_price is not null
                 and o.placed_at >= f.flash_starts_at
                 and o.placed_at < f.flash_starts_at + interval '5 minutes') then 1
             else (o.o * 3 + i * 5 + s.show_no) % s.lineup_size end as pos,
           case when (o.o + i + s.show_no) % 7 = 0 then 2 else 1 end as qty
  ) c
  join seed_lineup l on l.show_no = s.show_no and l.pos = c.pos
  group by o.id, l.id
), catalog_lines as (
  select o.id as order_id, k.id as product_id, 1 + (o.o + i) % 2 as qty
  from seed_order o
  cross join lateral generate_series(0, case when o.show_no is null and o.o % 3 = 0 then 1
                                            else 0 end) as i
  join catalog k on k.rn = 1 + (coalesce(o.show_no, 0) * 977 + o.o * 211 + i * 409) % k.cnt
  where o.show_no is null or o.o % 9 = 4
)
select row_number() over (order by x.order_id, x.live_product_id nulls last, x.product_id)
         as item_no, x.*
from (
  select ll.order_id, ll.live_product_id, null::uuid as product_id, ll.qty,
         l.name, l.sku, l.live_price as list_price,
         case when l.flash_price is not null and o.placed_at >= l.flash_starts_at
                   and o.placed_at < l.flash_starts_at + interval '5 minutes'
              then l.flash_price else l.live_price end as unit_price,
         l.session_id, l.influencer_id, l.wholesaler_id, i.commission_rate as rate
  from live_lines ll
  join seed_order o on o.id = ll.order_id
  join seed_lineup l on l.id = ll.live_product_id
  join public.influencers i on i.id = l.influencer_id
  union all
  select cl.order_id, null, cl.product_id, cl.qty, k.name, k.sku, k.retail_price, k.retail_price,
         null, null, k.wholesaler_id, 0
  from catalog_lines cl
  join catalog k on k.id = cl.product_id
) x;

insert into public.live_products (
  id, session_id, influencer_id, product_id, name, description, position, live_price,
  compare_at_price, flash_price, flash_starts_at, flash_ends_at, allocated_quantity,
  max_per_buyer, status, created_at, updated_at)
select l.id, l.session_id, l.influencer_id, l.product_id, l.name, l.description, l.pos,
       l.live_price, l.retail_price, l.flash_price, l.flash_starts_at,
       l.flash_starts_at + interval '5 minutes',
       case
         when l.kind = 'upcoming' then 15 + (l.pos * 7) % 30
         -- Every other show's opening product sells out.
         when l.pos = 0 and l.show_no % 2 = 1 and coalesce(u.units, 0) > 0 then u.units
         else coalesce(u.units, 0) + 4 + (l.show_no * 7 + l.pos * 3) % 25 end,
       case when l.pos = 0 and l.kind = 'upcoming' then 2 end,
       'active', least(l.starts - interval '5 days', now() - interval '20 hours'),
       least(l.starts - interval '5 days', now() - interval '20 hours')
from seed_lineup l
left join (select it.live_product_id, sum(it.qty)::integer as units
             from seed_item it where it.live_product_id is not null
            group by it.live_product_id) u on u.live_product_id = l.id
order by l.id;

-- ---------------------------------------------------------------------------------------------
-- Goals for the current and past weeks, months and quarters. They exist before the shows run,
-- so the triggers move them (and report the ones reached) as viewers join, orders arrive and
-- shows end, exactly as in production.
-- ---------------------------------------------------------------------------------------------
insert into public.influencer_goals (id, influencer_id, title, goal_type, period, period_start,
                                     period_end, target_value, created_at, updated_at)
select format('00000000-0000-4000-8a00-%s',
              lpad((g.host_n * 10000 + g.kind_no * 100 + b.back)::text, 12, '0'))::uuid,
       a.profile_id, g.title, g.goal_type::public.goal_type, g.period::public.goal_period,
       p.period_start, p.period_end, g.target, p.period_start::timestamptz - interval '2 days',
       p.period_start::timestamptz - interval '2 days'
from (values
  (101, 1, 'Weekly sales target', 'revenue', 'weekly', 1500, 8),
  (101, 2, 'Monthly revenue', 'revenue', 'monthly', 5000, 2),
  (101, 3, 'Monthly orders', 'orders', 'monthly', 90, 2),
  (101, 4, 'Monthly viewers', 'viewers', 'monthly', 1200, 2),
  (101, 5, 'Shows this month', 'shows', 'monthly', 4, 2),
  (101, 6, 'Quarterly revenue', 'revenue', 'quarterly', 15000, 1),
  (101, 7, 'Quarterly units sold', 'units', 'quarterly', 400, 1),
  (102, 1, 'Weekly sales target', 'revenue', 'weekly', 700, 8),
  (102, 2, 'Monthly revenue', 'revenue', 'monthly', 2500, 2),
  (102, 3, 'Monthly orders', 'orders', 'monthly', 60, 2),
  (102, 6, 'Quarterly revenue', 'revenue', 'quarterly', 7500, 1)
) as g (host_n, kind_no, title, goal_type, period, target, periods_back)
join seed_account a on a.n = g.host_n
cross join lateral generate_series(0, g.periods_back) as b (back)
cross join lateral (
  select d::date as period_start,
         (d + case g.period when 'weekly' then interval '1 week'
                            when 'monthly' then interval '1 month'
                            else interval '3 months' end)::date - 1 as period_end
  from (select date_trunc(case g.period when 'weekly' then 'week' when 'monthly' then 'month'
                                        else 'quarter' end, now())
               - case g.period when 'weekly' then make_interval(days => 7 * b.back)
                               when 'monthly' then make_interval(months => b.back)
                               else make_interval(months => 3 * b.back) end as d) x
) p
where exists (select 1 from seed_show)
order by 1
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------
-- The past shows go live, fill with viewers, chat and orders, then end.
-- ---------------------------------------------------------------------------------------------
update public.live_stream_sessions x
   set status = 'live', actual_start = s.starts + interval '2 minutes'
from seed_show s
where s.id = x.id and s.kind = 'past' and x.status = 'scheduled';

-- Viewers: the twelve demo customers and a crowd of anonymous 100ms peers. Most join early and
-- stay 10 to 60 minutes. Joins and leaves are replayed in twelve time slices per show, so the
-- viewer triggers record a realistic current and peak audience.
create temporary table seed_viewer as
select format('00000000-0000-4000-8500-%s', lpad((s.show_no * 10000 + v)::text, 12, '0'))::uuid
         as id,
       s.id as session_id,
       case when v <= 12 then (select a.user_id from seed_account a where a.n = 300 + v) end
         as user_id,
       'peer_' || left(md5('peer-' || s.show_no || '-' || v), 16) as hms_peer_id,
       j.join_f, least(j.join_f + j.stay_f, 1.0) as leave_f,
       s.starts + interval '2 minutes' + make_interval(secs => s.minutes * 60 * j.join_f)
         as joined_at,
       s.starts + interval '2 minutes'
         + make_interval(secs => s.minutes * 60 * least(j.join_f + j.stay_f, 1.0)) as left_at,
       jsonb_build_object(
         'device', (array['ios', 'android', 'web', 'ios', 'android'])[1 + v % 5],
         'bitrate_kbps', 900 + (v * 37) % 2600,
         'packet_loss_pct', round(((v * 13) % 40) / 10.0, 1)) as quality
from seed_show s
cross join lateral generate_series(1, s.viewers) as v
cross join lateral (
  select power((('x' || substr(md5('join-' || s.show_no || '-' || v), 1, 6))::bit(24)::int
                % 1000) / 1000.0, 1.6) * 0.85 as join_f,
         0.12 + (('x' || substr(md5('stay-' || s.show_no || '-' || v), 1, 6))::bit(24)::int
                 % 1000) / 1000.0 * 0.6 as stay_f
) j
where s.kind = 'past';

do $seed$
begin
  for k in 0 .. 11 loop
    insert into public.live_stream_viewers (id, session_id, user_id, hms_peer_id, joined_at,
                                            quality, created_at, updated_at)
    select v.id, v.session_id, v.user_id, v.hms_peer_id, v.joined_at, v.quality, v.joined_at,
           v.joined_at
    from seed_viewer v
    where least(floor(v.join_f * 12), 11) = k
    order by v.id;

    update public.live_stream_viewers x set left_at = v.left_at
    from seed_viewer v
    where v.id = x.id and least(floor(v.leave_f * 12), 11) = k;
  end loop;
end
$seed$;

-- Chat: viewers' questions and reactions, the host's announcements, a pinned welcome and the
-- odd spam message the host hid.
insert into public.live_stream_chat (id, session_id, user_id, display_name, message,
                                     message_type, is_pinned, is_hidden, hidden_by, created_at,
                                     updated_at)
select format('00000000-0000-4000-8600-%s', lpad((s.show_no * 1000 + m)::text, 12, '0'))::uuid,
       s.id, w.user_id, w.display_name, w.message,
       (case when w.kind = 'host' and w.message like 'Flash sale%' then 'system'
             when w.message in ('sold!', 'SOLD 🙌', 'just bought 2!', 'got it!! 🛍️')
               then 'purchase'
             when w.message like '%?' or w.message like '%? %' then 'question'
             else 'message' end)::public.chat_message_type,
       m = 1, w.kind = 'spam', case when w.kind = 'spam' then s.host_user_id end, t.at, t.at
from seed_show s
cross join lateral generate_series(1, s.chats) as m
cross join lateral (
  select s.starts + interval '2 minutes' + make_interval(secs => s.minutes * 60 * m / (s.chats + 1))
           as at,
         (select l.name from seed_lineup l
           where l.show_no = s.show_no and l.pos = (m / 8) % s.lineup_size) as product,
         1 + (s.show_no * 3 + m * 7) % 12 as customer_no,
         case when m = 1 or (m + s.show_no) % 9 = 0 then 'host'
              when m = 23 and s.show_no % 3 = 0 then 'spam'
              when (m + s.show_no) % 9 in (1, 3, 4, 6) then 'customer'
              else 'crowd' end as kind
) t
cross join lateral (
  select t.kind,
         case t.kind when 'host' then s.host_user_id
                     when 'customer' then (select a.user_id from seed_account a
                                            where a.n = 300 + t.customer_no) end as user_id,
         case t.kind
           when 'host' then s.host_name
           when 'customer' then (select c.preferences ->> 'chat_name' from public.customers c
                                   join seed_account a on a.profile_id = c.id
                                  where a.n = 300 + t.customer_no)
           else (array['glowgetter22', 'dealhunter_amy', 'skincarebyjess', 'momof3deals',
                       'techtom', 'kayla.b', 'the_real_rob', 'sunnydays88', 'nina.shops',
                       'marco_p', 'bargainbeth', 'lil.lou', 'freebies4u'])
                  [case when t.kind = 'spam' then 13 else 1 + (m * 5 + s.show_no) % 12 end]
         end as display_name,
         case
           when m = 1 then format('Welcome in, everyone! 💖 Tonight: %s. Grab a seat!', s.title)
           when t.kind = 'spam' then 'follow me for FREE followers!!! 💸💸 link in bio'
           when t.kind = 'host' then (array[
             format('Next up: %s!', t.product),
             format('Only a few left of %s 👀', t.product),
             'Flash sale starting now ⚡ five minutes only!',
             'Drop a 🔥 if you want a restock',
             format('Yes! %s ships in 2-3 days 📦', t.product),
             'Thank you all for being here tonight 🙏'])[1 + (m / 9) % 6]
           else (array[
             'how much?', 'sold!', 'does it come in medium?', '😍😍😍', 'is it true to size?',
             'what shade is that?', 'shipping to Canada?', 'SOLD 🙌', 'can you show the back?',
             'link please 🙏', 'just bought 2!', 'love this color', 'how many left?',
             'is this the same one as last week?', '👏👏👏', 'how long does shipping take?',
             'hi from Texas! 👋', 'does it work on sensitive skin?', 'first time here 🥰',
             'can you do a bundle deal?', 'omg need this', 'what size are you wearing?',
             'is the flash price still on?', 'got it!! 🛍️', 'got mine last week, obsessed'])
             [1 + (m * 7 + s.show_no * 3) % 25]
         end as message
) w
where s.kind = 'past'
order by 1;

-- Orders, priced the way checkout prices them: subtotal at list prices, the flash savings as
-- the discount, tax on what is paid, flat shipping under the free-shipping threshold. Order
-- numbers follow the checkout trigger's format, dated on the day the order was placed.
insert into public.orders (id, order_number, customer_id, status, payment_status,
                           payment_reference, subtotal, discount_amount, tax_amount,
                           shipping_amount, total_amount, shipping_address, contact_email,
                           placed_at, paid_at, created_at, updated_at)
select o.id,
       'SS-' || to_char(o.placed_at at time zone 'UTC', 'YYMMDD') || '-'
         || lpad(o.seq::text, 6, '0'),
       c.id,
       (case when o.outcome in ('pending', 'fail') then 'pending'
             when o.placed_at < now() - interval '10 days' then 'delivered'
             when o.placed_at < now() - interval '3 days' then 'shipped'
             else 'processing' end)::public.order_status,
       (case when o.outcome in ('pending', 'fail') then 'pending'
             else 'paid' end)::public.payment_status,
       case when o.outcome not in ('pending', 'fail')
            then 'pi_' || left(md5('pay-' || o.id), 24) end,
       t.subtotal, t.discount, t.tax, t.shipping, t.subtotal - t.discount + t.tax + t.shipping,
       c.shipping_address, c.email, o.placed_at,
       case when o.outcome not in ('pending', 'fail') then o.placed_at + interval '40 seconds' end,
       o.placed_at, o.placed_at
from seed_order o
join seed_account a on a.n = 300 + o.customer_no
join public.customers c on c.id = a.profile_id
join (select it.order_id, sum(it.list_price * it.qty) as subtotal,
             sum((it.list_price - it.unit_price) * it.qty) as discount
        from seed_item it group by it.order_id) s on s.order_id = o.id
cross join private.commerce_settings cs
cross join lateral (
  select s.subtotal, s.discount, round((s.subtotal - s.discount) * cs.tax_rate, 2) as tax,
         case when s.subtotal - s.discount >= cs.free_shipping_threshold then 0.00
              else cs.flat_shipping end as shipping
) t
order by o.seq;

select setval('private.order_number_seq', max(o.seq)) from seed_order o having count(*) > 0;

-- One statement for every line, as checkout writes them: the sales triggers move the shows',
-- live products' and hosts' figures, goals and achievements, and tell each host about every
-- order placed while their show was live.
insert into public.order_items (id, order_id, product_id, live_product_id, session_id,
                                influencer_id, wholesaler_id, product_name, sku, list_unit_price,
                                unit_price, is_flash_price, quantity, line_total, commission_rate,
                                commission_amount, created_at, updated_at)
select format('00000000-0000-4000-8800-%s', lpad(it.item_no::text, 12, '0'))::uuid,
       it.order_id, it.product_id, it.live_product_id, it.session_id, it.influencer_id,
       it.wholesaler_id, it.name, it.sku, it.list_price, it.unit_price,
       it.unit_price < it.list_price, it.qty, it.unit_price * it.qty, it.rate,
       round(it.unit_price * it.qty * it.rate, 2), o.placed_at, o.placed_at
from seed_item it
join seed_order o on o.id = it.order_id
order by it.item_no;

-- What checkout's reservation writes on the live products: units sold and revenue (set, not
-- added: nothing of these shows was sold before). Opening products that sell their whole
-- allocation turn sold out and notify the host.
update public.live_products lp
   set sold_quantity = u.units, revenue = u.revenue
from (select it.live_product_id, sum(it.qty)::integer as units,
             sum(it.unit_price * it.qty) as revenue
        from seed_item it where it.live_product_id is not null
       group by it.live_product_id) u
where lp.id = u.live_product_id;

-- Commission: pending until the payment is confirmed, then available, and paid out to the host
-- two weeks after the sale.
insert into public.influencer_earnings (id, influencer_id, order_id, order_item_id, session_id,
                                        gross_amount, commission_rate, amount, status, earned_at,
                                        available_at, paid_out_at, created_at, updated_at)
select format('00000000-0000-4000-8900-%s', lpad(it.item_no::text, 12, '0'))::uuid,
       it.influencer_id, it.order_id,
       format('00000000-0000-4000-8800-%s', lpad(it.item_no::text, 12, '0'))::uuid,
       it.session_id, it.unit_price * it.qty, it.rate, round(it.unit_price * it.qty * it.rate, 2),
       (case when o.outcome in ('pending', 'fail') then 'pending'
             when o.outcome = 'paid' and o.placed_at < now() - interval '14 days' then 'paid_out'
             else 'available' end)::public.earning_status,
       o.placed_at,
       case when o.outcome not in ('pending', 'fail') then o.placed_at + interval '40 seconds' end,
       case when o.outcome = 'paid' and o.placed_at < now() - interval '14 days'
            then least(date_trunc('week', o.placed_at + interval '14 days') + interval '9 hours',
                       now()) end,
       o.placed_at, o.placed_at
from seed_item it
join seed_order o on o.id = it.order_id
where it.influencer_id is not null
order by it.item_no
on conflict do nothing;

update public.live_stream_sessions x
   set status = 'ended', actual_end = s.starts + interval '2 minutes'
                                      + make_interval(mins => s.minutes)
from seed_show s
where s.id = x.id and s.kind = 'past' and x.status = 'live';

-- Refunds and failed payments go through the payment webhook's function, which returns the
-- stock, reverses the commission and takes the sale out of every figure.
do $seed$
declare
  r record;
begin
  for r in select o.id, o.outcome from seed_order o where o.outcome in ('refund', 'fail')
           order by o.seq loop
    perform public.record_payment_event(
      r.id, case r.outcome when 'refund' then 'refunded' else 'failed' end);
  end loop;
end
$seed$;

update public.orders x
   set refunded_at = least(o.placed_at + interval '6 days', now() - interval '1 hour')
from seed_order o
where o.id = x.id and o.outcome = 'refund';

update public.influencer_earnings e
   set reversed_at = coalesce(x.refunded_at, least(x.placed_at + interval '1 day', now()))
from seed_order o
join public.orders x on x.id = o.id
where e.order_id = o.id and o.outcome in ('refund', 'fail');

-- ---------------------------------------------------------------------------------------------
-- History's clock. The triggers stamp what they write with now(), the time the seed runs; give
-- goals reached, achievements unlocked and notifications the moment they happened in the
-- replayed history (sales count as the triggers counted them, refunds came later). Only rows
-- stamped while the seed ran move.
-- ---------------------------------------------------------------------------------------------
create temporary table seed_event as
select oi.influencer_id, min(oi.created_at) as at, min(oi.created_at)::date as day,
       sum(oi.line_total) as revenue, sum(oi.quantity) as units, 1 as orders, 0 as viewers,
       0 as shows
from public.order_items oi
join seed_show s on s.id = oi.session_id
group by oi.influencer_id, oi.order_id
union all
select s.influencer_id, f.first_join, f.first_join::date, 0, 0, 0, 1, 0
from (select v.session_id, min(v.joined_at) as first_join
        from public.live_stream_viewers v
        join seed_show s on s.id = v.session_id
       group by v.session_id, coalesce(v.user_id::text, v.hms_peer_id, v.id::text)) f
join seed_show s on s.id = f.session_id
union all
select x.influencer_id, x.actual_end, x.actual_start::date, 0, 0, 0, 0, 1
from public.live_stream_sessions x
join seed_show s on s.id = x.id
where x.status = 'ended';

update public.influencer_goals g
   set achieved_at = c.at
from public.influencer_goals g2
cross join lateral (
  select r.at from (
    select e.at, sum(case g2.goal_type when 'revenue' then e.revenue when 'orders' then e.orders
                                       when 'units' then e.units when 'viewers' then e.viewers
                                       else e.shows end)
                   over (order by e.at rows unbounded preceding) as running
    from seed_event e
    where e.influencer_id = g2.influencer_id and e.day between g2.period_start and g2.period_end
  ) r
  where r.running >= g2.target_value
  order by r.at limit 1
) c
where g2.id = g.id and g.status = 'achieved'
  and g.achieved_at >= (select c.started from seed_clock c);

update public.influencer_achievements a
   set unlocked_at = c.at
from public.influencer_achievements a2
join private.achievement_definitions d on d.key = a2.achievement_key
cross join lateral (
  select r.at from (
    select e.at, sum(case d.metric when 'revenue' then e.revenue when 'orders' then e.orders
                                   when 'units' then e.units when 'shows' then e.shows
                                   else 0 end)
                   over (order by e.at rows unbounded preceding) as running
    from seed_event e
    where e.influencer_id = a2.influencer_id
  ) r
  where r.running >= a2.target
  order by r.at limit 1
) c
where a2.id = a.id and a.unlocked_at >= (select c.started from seed_clock c);

update public.influencer_notifications n
   set created_at = coalesce(
         case n.type
           when 'order' then (select o.placed_at + interval '1 second' from public.orders o
                               where o.id = (n.data ->> 'order_id')::uuid)
           when 'sold_out' then (select max(oi.created_at) + interval '1 second'
                                   from public.order_items oi
                                  where oi.live_product_id = (n.data ->> 'live_product_id')::uuid)
           when 'goal_reached' then (select g.achieved_at from public.influencer_goals g
                                      where g.id = (n.data ->> 'goal_id')::uuid)
           when 'achievement' then (select ia.unlocked_at from public.influencer_achievements ia
                                     where ia.id = (n.data ->> 'achievement_id')::uuid)
         end, n.created_at)
where n.created_at >= (select c.started from seed_clock c)
  and n.influencer_id in (select s.influencer_id from seed_show s);

-- Goals of periods that are over and were not reached.
update public.influencer_goals g set status = 'missed'
where g.status = 'active' and g.period_end < current_date
  and g.influencer_id in (select s.influencer_id from seed_show s);

-- ---------------------------------------------------------------------------------------------
-- Notifications the platform sends besides the triggers' ones: payouts, the upcoming show and a
-- welcome. Everything older than three days has been read.
-- ---------------------------------------------------------------------------------------------
insert into public.influencer_notifications (id, influencer_id, type, title, body, data, created_at,
                                             updated_at)
select format('00000000-0000-4000-8c00-%s',
              lpad((a.n * 10000
                    + row_number() over (partition by a.n order by p.paid_out_at))::text,
                   12, '0'))::uuid,
       p.influencer_id, 'system', 'Payout sent: $' || to_char(p.amount, 'FM999,990.00'),
       format('Your commission on %s orders is on its way to your payout account.', p.orders),
       jsonb_build_object('amount', p.amount, 'orders', p.orders, 'paid_out_at', p.paid_out_at),
       p.paid_out_at, p.paid_out_at
from (select e.influencer_id, e.paid_out_at, sum(e.amount) as amount,
             count(distinct e.order_id) as orders
        from public.influencer_earnings e
        join seed_show s on s.id = e.session_id
       where e.status = 'paid_out'
       group by e.influencer_id, e.paid_out_at) p
join seed_account a on a.profile_id = p.influencer_id
on conflict do nothing;

insert into public.influencer_notifications (id, influencer_id, type, title, body, data, created_at,
                                             updated_at)
select format('00000000-0000-4000-8c00-%s', lpad(x.n::text, 12, '0'))::uuid, s.influencer_id,
       x.type::public.notification_type, x.title, x.body, x.data::jsonb, x.at, x.at
from seed_show s
join (values
  (900, 1900, 'show', 'Your show starts in 3 days',
   'Holiday Glow-Up Live is scheduled with 12 products. '
   'Review prices and stock before you go live.',
   '{"kind": "reminder"}', now() - interval '2 hours'),
  (900, 1901, 'system', 'Welcome to ShopStream Studio',
   'Build your first lineup from the wholesale catalog, then go live when you are ready.',
   '{"kind": "welcome"}', now() - interval '118 days'),
  (901, 1902, 'show', 'Your show starts in 6 days',
   'Tech Gifts Under $50 is scheduled with 6 products.', '{"kind": "reminder"}',
   now() - interval '5 hours'),
  (901, 1903, 'system', 'Welcome to ShopStream Studio',
   'Build your first lineup from the wholesale catalog, then go live when you are ready.',
   '{"kind": "welcome"}', now() - interval '118 days')
) as x (show_no, n, type, title, body, data, at) on x.show_no = s.show_no
on conflict do nothing;

update public.influencer_notifications n
   set is_read = true, read_at = n.created_at + interval '3 hours'
where not n.is_read and n.created_at < now() - interval '3 days'
  and n.influencer_id in (select s.influencer_id from seed_show s);

-- ---------------------------------------------------------------------------------------------
-- Support queries and a cart in progress.
-- ---------------------------------------------------------------------------------------------
insert into public.queries (id, customer_id, order_id, subject, message, status, priority,
                            assigned_admin_id, response, responded_at, created_at, updated_at)
select format('00000000-0000-4000-8d00-%s', lpad(q.n::text, 12, '0'))::uuid, c.profile_id,
       (select o.id from public.orders o where o.customer_id = c.profile_id
         order by o.placed_at desc limit 1),
       q.subject, q.message, q.status::public.query_status, q.priority::public.query_priority,
       case when q.status <> 'open' then adm.profile_id end, q.response,
       case when q.response is not null then now() - make_interval(days => q.days_ago - 1) end,
       now() - make_interval(days => q.days_ago), now() - make_interval(days => q.days_ago)
from (values
  (1, 301, 'Where is my order?', 'It has been a week and tracking has not updated.',
   'in_progress', 'normal', null, 4),
  (2, 303, 'Wrong shade received', 'I ordered Rosewood but received Berry. Can I exchange it?',
   'resolved', 'high', 'So sorry! A replacement in Rosewood shipped today, keep the other one.',
   12),
  (3, 305, 'Change my shipping address', 'I moved last week. Please ship to my new address.',
   'open', 'urgent', null, 1),
  (4, 308, 'Refund status', 'When will my refund arrive?', 'closed', 'low',
   'Refunds reach your card within 5 to 10 business days.', 20)
) as q (n, customer_n, subject, message, status, priority, response, days_ago)
join seed_account c on c.n = q.customer_n
join seed_account adm on adm.kind = 'admin'
where exists (select 1 from seed_show)
on conflict do nothing;

insert into public.cart (id, customer_id, product_id, quantity, created_at, updated_at)
select format('00000000-0000-4000-8e00-%s', lpad(x.n::text, 12, '0'))::uuid, c.profile_id,
       p.id, x.qty, now() - interval '1 day', now() - interval '1 day'
from (values (1, 301, 1, 1), (2, 301, 2, 2), (3, 302, 3, 1)) as x (n, customer_n, pick, qty)
join seed_account c on c.n = x.customer_n
join lateral (select p.id from public.products p
               where p.status = 'active' and p.stock_quantity >= 100
                 and p.min_order_quantity = 1
                 and p.wholesaler_id = '00000000-0000-4000-b000-000000000201'
               order by p.id offset x.pick * 7 limit 1) p on true
where exists (select 1 from seed_show)
on conflict do nothing;

drop table seed_event, seed_item, seed_catalog, seed_order, seed_viewer, seed_lineup, seed_show,
  seed_subcategory, seed_top, seed_account, seed_clock;
