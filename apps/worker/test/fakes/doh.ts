import { http, HttpResponse } from "msw";

/**
 * A DNS-over-HTTPS server (the JSON API, as cloudflare-dns.com serves it) at https://dns.test/dns-query:
 * `gone.example` does not exist, `broken.example` fails (SERVFAIL), every other name is a CNAME to
 * one public IPv4 address, with one public IPv6 address.
 */
export const DOH_URL = "https://dns.test/dns-query";

export const dohHandlers = [
  http.get(DOH_URL, ({ request }) => {
    const url = new URL(request.url);
    if (request.headers.get("accept") !== "application/dns-json") return new HttpResponse(null, { status: 415 });
    const name = url.searchParams.get("name");
    const type = url.searchParams.get("type");
    if (name === "gone.example") return HttpResponse.json({ Status: 3 });
    if (name === "broken.example") return HttpResponse.json({ Status: 2 });
    const answers =
      type === "A"
        ? [{ name, type: 5, TTL: 60, data: "edge.example." }, { name: "edge.example.", type: 1, TTL: 60, data: "93.184.216.34" }]
        : [{ name, type: 28, TTL: 60, data: "2606:2800:220:1::1" }];
    return HttpResponse.json({ Status: 0, Answer: answers });
  }),
];
