/** Edge Function entry point of hms-rooms (see handler.ts and backend_schema/README.md). */

import { createRoomsHandler } from "./handler.ts";

Deno.serve(createRoomsHandler({ env: (name) => Deno.env.get(name) }));
