import { http, HttpResponse, type DefaultBodyType, type StrictRequest } from "msw";

/** One request a fake customer endpoint received, exactly as sent. */
export interface Received {
  name: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

type Behaviour = (request: StrictRequest<DefaultBodyType>) => Response | Promise<Response>;

/**
 * Fake customer endpoints at https://hooks.test/<name>: each records every request it gets and
 * answers as its test tells it (204 by default). Serve `handlers` for the whole file
 * (`serveForFile`): the webhook sender delivers on its alarms, which may run between tests.
 */
export function customerEndpoints() {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const handlers = [
    http.post("https://hooks.test/:name", async ({ request, params }) => {
      const name = String(params.name);
      received.push({ name, headers: Object.fromEntries(request.headers), body: await request.text(), at: Date.now() });
      const behave = behaviours.get(name);
      return behave ? behave(request) : new HttpResponse(null, { status: 204 });
    }),
  ];
  return {
    handlers,
    received,
    /** A fresh endpoint name and its URL, answering with `behave`. */
    endpoint(behave?: Behaviour) {
      const name = crypto.randomUUID();
      if (behave) behaviours.set(name, behave);
      return { name, url: `https://hooks.test/${name}` };
    },
    respond(name: string, behave: Behaviour) {
      behaviours.set(name, behave);
    },
    to(name: string) {
      return received.filter((r) => r.name === name);
    },
  };
}
