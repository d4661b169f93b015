/** Local HTTP servers for the tests: a handler on 127.0.0.1 at a free port, closed after use. */

export interface LocalServer {
  url: string;
  close: () => Promise<void>;
}

export function serve(handler: (req: Request) => Response | Promise<Response>): LocalServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const addr = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.shutdown() };
}

/** The body of a recorded 100ms webhook event (fixtures/<name>.json). */
export async function recorded(name: string): Promise<Record<string, unknown>> {
  const path = new URL(`./fixtures/${name}.json`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(path));
}
