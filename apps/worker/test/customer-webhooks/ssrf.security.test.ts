import { beforeEach, describe, expect, it } from "vitest";
import { classifyAddress } from "../../src/customer-webhooks/ip-ranges";
import { checkWebhookUrl, dohResolver, type Resolver, type UrlPolicy } from "../../src/customer-webhooks/url-policy";
import { call } from "../helpers/http";
import { createTenant } from "../helpers/tenants";
import { DOH_URL, dohHandlers } from "../fakes/doh";
import { server } from "../network";

/** A resolver with a fixed zone, as the production DoH resolver would answer. */
const zone: Record<string, string[]> = {
  "hooks.clinic.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
  "rebind.example": ["93.184.216.34", "10.0.0.7"],
  "metadata.example": ["169.254.169.254"],
  "v6-private.example": ["fd00:ec2::254"],
  "mapped.example": ["::ffff:127.0.0.1"],
  "nip.example": ["127.0.0.1"],
};
const fakeResolver: Resolver = async (host) => zone[host] ?? [];
const production = { environment: "production", resolve: fakeResolver };

async function refused(url: string, policy: UrlPolicy = production) {
  const verdict = await checkWebhookUrl(url, policy);
  expect(verdict.ok, url).toBe(false);
  return verdict.ok ? "" : verdict.reason;
}

describe("webhook URL policy (SSRF)", () => {
  it("accepts an https URL whose host resolves only to public addresses", async () => {
    const verdict = await checkWebhookUrl("https://hooks.clinic.example/switchboard?x=1", production);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.url.href).toBe("https://hooks.clinic.example/switchboard?x=1");
    expect(await checkWebhookUrl("https://93.184.216.34/hook", production)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl("https://[2606:2800:220:1:248:1893:25c8:1946]/hook", production)).toMatchObject({ ok: true });
  });

  it("refuses plain http and credentials in production", async () => {
    expect(await refused("http://hooks.clinic.example/x")).toBe("url must use https");
    expect(await refused("https://u:p@hooks.clinic.example/x")).toBe("url must not carry credentials");
    expect(await refused("file:///etc/passwd")).toBe("url must use https");
  });

  it("refuses loopback, private, link-local, metadata and unique-local literals in every spelling", async () => {
    const literals = [
      "https://127.0.0.1/",
      "https://127.1/", // short form
      "https://2130706433/", // decimal
      "https://0x7f000001/", // hex
      "https://0177.0.0.1/", // octal
      "https://0x7f.0.0.1/",
      "https://0.0.0.0/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://172.31.255.255/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data/", // cloud metadata
      "https://0xa9fea9fe/", // 169.254.169.254 in hex
      "https://100.100.100.200/", // Alibaba metadata (shared range)
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/", // IPv4-mapped
      "https://[::ffff:a9fe:a9fe]/", // mapped metadata, hex
      "https://[::ffff:10.0.0.1]/",
      "https://[::127.0.0.1]/", // IPv4-compatible
      "https://[64:ff9b::a00:1]/", // NAT64 of 10.0.0.1
      "https://[2002:7f00:1::]/", // 6to4 of 127.0.0.1
      "https://[fd00:ec2::254]/", // AWS metadata over IPv6 (unique-local)
      "https://[fc00::1]/",
      "https://[fe80::1]/",
      "https://[ff02::1]/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
    ];
    for (const url of literals) expect(await refused(url)).toMatch(/^url must point to a public address/);
  });

  it("refuses localhost names in production", async () => {
    expect(await refused("https://localhost/x")).toMatch(/loopback/);
    expect(await refused("https://api.localhost/x")).toMatch(/loopback/);
  });

  it("resolves names and refuses any that reach a non-public address", async () => {
    expect(await refused("https://rebind.example/x")).toMatch(/private/);
    expect(await refused("https://metadata.example/x")).toMatch(/link-local/);
    expect(await refused("https://v6-private.example/x")).toMatch(/unique-local/);
    expect(await refused("https://mapped.example/x")).toMatch(/loopback/);
    expect(await refused("https://nip.example/x")).toMatch(/loopback/);
    expect(await refused("https://nowhere.example/x")).toBe("url host does not resolve to any address");
    const broken: Resolver = async () => {
      throw new Error("DoH down");
    };
    expect(await refused("https://hooks.clinic.example/x", { environment: "production", resolve: broken })).toBe("url host could not be resolved");
  });

  it("allows loopback and http only in development and test, and still refuses other private ranges there", async () => {
    for (const environment of ["development", "test"]) {
      const local = { environment, resolve: fakeResolver };
      expect(await checkWebhookUrl("http://localhost:3000/hooks", local)).toMatchObject({ ok: true });
      expect(await checkWebhookUrl("http://127.0.0.1:3000/hooks", local)).toMatchObject({ ok: true });
      expect(await checkWebhookUrl("http://[::1]:3000/hooks", local)).toMatchObject({ ok: true });
      expect(await refused("http://169.254.169.254/", local)).toMatch(/link-local/);
      expect(await refused("http://10.0.0.1/", local)).toMatch(/private/);
    }
    // An unset ENVIRONMENT is treated as production.
    expect(await refused("http://localhost:3000/hooks", { environment: undefined, resolve: fakeResolver })).toBe("url must use https");
    expect(await refused("https://localhost/hooks", { environment: undefined, resolve: fakeResolver })).toMatch(/loopback/);
  });

  it("classifies addresses", () => {
    expect(classifyAddress("8.8.8.8")).toBe("public");
    expect(classifyAddress("172.32.0.1")).toBe("public");
    expect(classifyAddress("100.63.255.255")).toBe("public");
    expect(classifyAddress("100.64.0.1")).toBe("shared");
    expect(classifyAddress("192.0.2.1")).toBe("documentation");
    expect(classifyAddress("2001:4860:4860::8888")).toBe("public");
    expect(classifyAddress("2001:db8::1")).toBe("documentation");
    expect(classifyAddress("::ffff:8.8.8.8")).toBe("public");
    expect(classifyAddress("4000::1")).toBe("reserved");
    expect(classifyAddress("fe80::1%eth0")).toBe("link-local");
    expect(classifyAddress("hooks.clinic.example")).toBeNull();
    expect(classifyAddress("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(classifyAddress("256.1.1.1")).toBeNull();
  });
});

describe("DNS over HTTPS resolver", () => {
  beforeEach(() => server.use(...dohHandlers));
  const resolve = dohResolver(DOH_URL);

  it("returns A and AAAA answers, skipping CNAMEs", async () => {
    expect(await resolve("hooks.clinic.example")).toEqual(["93.184.216.34", "2606:2800:220:1::1"]);
  });

  it("answers nothing for NXDOMAIN and fails on server errors, which the policy refuses", async () => {
    expect(await resolve("gone.example")).toEqual([]);
    await expect(resolve("broken.example")).rejects.toThrow();
    expect(await checkWebhookUrl("https://broken.example/x", { environment: "production", resolve })).toEqual({ ok: false, reason: "url host could not be resolved" });
  });
});

describe("through the API", () => {
  it("refuses endpoint URLs that point inside, on create and on update", async () => {
    const { apiKey: key } = await createTenant();
    for (const url of ["http://169.254.169.254/latest/meta-data", "https://10.0.0.1/", "https://[::ffff:169.254.169.254]/", "https://0xa9fea9fe/", "https://[fd00::1]/"]) {
      const res = await call("/api/v1/webhook-endpoints", { method: "POST", key, json: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toMatch(/^url must point to a public address/);
    }
    const ok = await call("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: "http://localhost:8080/hooks" } });
    expect(ok.status).toBe(201);
    const patched = await call(`/api/v1/webhook-endpoints/${ok.body.id}`, { method: "PATCH", key, json: { url: "https://192.168.0.10/" } });
    expect(patched.status).toBe(400);
    expect((await call(`/api/v1/webhook-endpoints/${ok.body.id}`, { key })).body.url).toBe("http://localhost:8080/hooks");
  });
});
