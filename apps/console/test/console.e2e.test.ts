import { createServer, type Server } from "node:http";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { createSwitchboardClient, ok, verifyWebhook, type SwitchboardClient } from "@switchboard/sdk";
import { artifacts, freePort, startStack, type Stack } from "./stack";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const shots = join(artifacts, "screenshots");

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let api: SwitchboardClient;
let apiKey = "";
/** Requests the pages sent anywhere but the local stack (there must be none). */
const offsite: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Sign-in through the form, as a person does. */
async function signIn(as: "Clinic" | "Operator", secret: string) {
  await page.goto(`${stack.base}/console`);
  await page.getByRole("tab", { name: as }).click();
  await page.getByLabel(as === "Clinic" ? "API key" : "Admin token").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => page.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (!["localhost", "127.0.0.1"].includes(url.hostname) && url.protocol !== "data:") offsite.push(request.url());
  });
  // Confirmation dialogs (cancel, hang up, replay) are accepted, as a person would.
  page = await context.newPage();
  page.on("dialog", (d) => void d.accept());
}, 300_000);

// A failing step leaves a picture of what the browser showed.
beforeEach((context) => {
  onTestFailed(async () => {
    await page?.screenshot({ path: join(shots, `FAILED-${context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`), fullPage: true }).catch(() => {});
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the operator console in Chromium", () => {
  it("refuses a wrong key and issues no cookie", async () => {
    await signIn("Clinic", "sb_this-is-not-a-key");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
    expect((await context.cookies()).filter((c) => c.name === "sb_console")).toEqual([]);
    await shot("01-sign-in-refused");
  });

  it("lets the operator create a clinic and shows its key once", async () => {
    await signIn("Operator", stack.adminToken);
    await page.getByLabel("Name").fill("Lakeside Family Clinic");
    await page.getByRole("button", { name: "Create" }).click();
    const key = page.getByTestId("new-key");
    await expect.poll(() => key.textContent()).toMatch(/^sb_/);
    apiKey = (await key.textContent())!;
    await expect.poll(() => page.getByTestId("tenants").textContent()).toContain("Lakeside Family Clinic");
    await shot("02-operator-tenants");
    await page.getByRole("link", { name: "Lakeside Family Clinic" }).first().click();
    await expect.poll(() => page.getByTestId("keys").textContent()).toContain(apiKey.slice(0, 8));
    await shot("03-operator-tenant");
    await signOut();
  });

  it("signs a clinic in with an HttpOnly, Secure, SameSite=Strict cookie that Chromium keeps on localhost", async () => {
    api = createSwitchboardClient({ baseUrl: stack.base, apiKey });
    await signIn("Clinic", apiKey);
    await expect.poll(() => page.getByTestId("who").textContent()).toBe("Lakeside Family Clinic");
    const cookie = (await context.cookies()).find((c) => c.name === "sb_console");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/console" });
    // The page itself cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("sb_console");
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toContain(apiKey);
  });

  it("starts a campaign and watches it finish, with its progress and calls per hour", async () => {
    const agents = [
      ok(await api.POST("/api/v1/agents", { body: { name: "Reminder (answers)", provider: "simulator", simulator: { outcome: "human", durationMs: 2500 } } })),
      ok(await api.POST("/api/v1/agents", { body: { name: "Reminder (no answer)", provider: "simulator", simulator: { outcome: "no_answer", durationMs: 2500 } } })),
    ];
    const people = [
      ["María", "Lopez", "+15555550101"],
      ["James", "Lopez", "+15555550102"],
      ["Ada", "Okafor", "+15555550103"],
    ];
    for (const [firstName, lastName, phoneNumber] of people) {
      ok(await api.POST("/api/v1/patients", { body: { firstName: firstName!, lastName: lastName!, phoneNumber, timezone: "America/Chicago" } }));
    }
    // One campaign placed by the clinic's software over the API, with the agent that gets no answer.
    const patients = ok(await api.GET("/api/v1/patients", { params: { query: { size: 10 } } })).data;
    ok(await api.POST("/api/v1/calls", { body: { name: "Overdue balances", agentId: agents[1]!.id, patients: patients.map((p) => ({ patientId: p.patient_id })) } }));

    // And one started from the console.
    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Name").fill("Thursday reminders");
    await page.getByLabel("Agent").selectOption({ label: "Reminder (answers) (simulator)" });
    for (const name of ["María Lopez", "James Lopez", "Ada Okafor"]) await page.getByTestId("patient-picker").getByText(name).click();
    await shot("04-new-campaign");
    await page.getByRole("button", { name: "Call 3 patients" }).click();

    await expect.poll(() => page.getByTestId("campaign-status").textContent(), { timeout: 60_000 }).toContain("Finished");
    await expect.poll(() => page.getByTestId("progress-count").textContent()).toBe("3 of 3 ended");
    await expect.poll(() => page.locator("figure.chart svg rect").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await shot("05-campaign-finished");

    await page.getByRole("link", { name: "Campaigns" }).click();
    await expect.poll(() => page.getByTestId("campaigns").locator("tr", { hasText: "Overdue balances" }).getByTestId("ended").textContent(), { timeout: 60_000 }).toBe(
      "3/3",
    );
    await shot("06-campaigns");
  });

  it("finds the calls by outcome and opens a call's timeline and report", async () => {
    await page.getByRole("link", { name: "Calls" }).click();
    const outcomes = () => page.getByTestId("calls").locator("tbody tr td:nth-child(5)").allTextContents();
    await page.getByLabel("Outcome").selectOption("no_answer");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(outcomes).toEqual(["no_answer", "no_answer", "no_answer"]);
    await shot("07-calls-no-answer");
    await page.getByLabel("Outcome").selectOption("human");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(outcomes).toEqual(["human", "human", "human"]);
    await page.getByTestId("calls").locator("tbody tr").first().getByRole("link").first().click();

    const timeline = page.getByTestId("timeline");
    await expect.poll(() => timeline.textContent()).toContain("in-progress → summarizing");
    const text = (await timeline.textContent())!;
    expect(text).toContain("queued → initiating");
    expect(text).toContain("provider.placed");
    expect(text).toContain("simulator");
    await expect.poll(() => page.getByTestId("call-status").textContent()).toContain("completed");
    expect(await page.getByText("Final report").isVisible()).toBe(true);
    await shot("08-call-timeline");
  });

  it("hangs up a live call", async () => {
    const agent = ok(await api.POST("/api/v1/agents", { body: { name: "Long talk", provider: "simulator", simulator: { outcome: "human", durationMs: 600_000 } } }));
    const patient = ok(await api.GET("/api/v1/patients", { params: { query: { q: "Okafor" } } })).data[0]!;
    const placed = ok(await api.POST("/api/v1/calls", { body: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } }));
    await page.goto(`${stack.base}/console/calls/${placed.calls[0]!.callId}`);
    await page.getByRole("button", { name: "Hang up" }).click();
    await expect.poll(() => page.getByTestId("call-status").textContent(), { timeout: 30_000 }).toContain("hung_up_by_api");
    await shot("09-call-hung-up");
  });

  it("shows a patient's contact history, consent and messages", async () => {
    const lopez = ok(await api.GET("/api/v1/patients", { params: { query: { q: "maría lopez" } } })).data[0]!;
    // A text through the /comms surface, as the clinic's messaging software sends it.
    const user = ok(await api.POST("/api/v1/users", { body: { firstName: "Dana", lastName: "Reyes" } }));
    const chat = ok(await api.POST("/api/v1/chats", { body: { patientId: lopez.patient_id } }));
    const form = new FormData();
    Object.entries({ sender_id: user.id, chat_id: chat.id, message_uid: "e2e-1", message_type: "REMINDER", content: "Hi María, your check-up is Thursday at 9:30." }).forEach(([k, v]) =>
      form.append(k, v),
    );
    const admin = createSwitchboardClient({ baseUrl: stack.base, adminToken: stack.adminToken });
    const tenant = ok(await admin.GET("/admin/tenants", { params: { query: { size: 100 } } })).data.find((t) => t.name === "Lakeside Family Clinic")!;
    const sent = await fetch(`${stack.base}/comms/chat/send-message`, { method: "POST", headers: { "API-KEY": apiKey, TENANT: tenant.id }, body: form });
    expect(sent.status).toBe(200);

    await page.getByRole("link", { name: "Patients" }).click();
    await page.getByLabel("Search").fill("lopez");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByTestId("patients").locator("tbody tr").count()).toBe(2);
    await page.getByRole("link", { name: "María Lopez" }).click();
    await expect.poll(() => page.getByTestId("consent").textContent()).toContain("may be contacted");
    await expect.poll(() => page.getByTestId("contacts").locator("tbody tr").count()).toBe(3);
    await expect.poll(() => page.getByTestId("messages").textContent()).toContain("your check-up is Thursday");
    await shot("10-patient");
  });

  it("replays a webhook delivery and shows its attempts", async () => {
    // The clinic's receiver: refuses at first, then accepts and checks the signature with the SDK.
    let accept = false;
    let secret = "";
    const verified: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        if (!accept) return res.writeHead(503).end();
        const event = await verifyWebhook(secret, body, req.headers as Record<string, string>);
        verified.push(event.type);
        res.writeHead(204).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
    try {
      const endpoint = ok(await api.POST("/api/v1/webhook-endpoints", { body: { url: `http://127.0.0.1:${port}/hooks`, events: ["call.created"], description: "EHR" } }));
      secret = endpoint.secret;
      const agent = ok(await api.GET("/api/v1/agents", { params: { query: { size: 10 } } })).data[0]!;
      const patient = ok(await api.GET("/api/v1/patients", { params: { query: { q: "James" } } })).data[0]!;
      ok(await api.POST("/api/v1/calls", { body: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } }));

      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("link", { name: `http://127.0.0.1:${port}/hooks` }).click();
      const firstRow = page.getByTestId("deliveries").locator("tbody tr").first();
      await expect.poll(async () => Number(await firstRow.locator("td").nth(3).textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
      await firstRow.getByRole("link").click();
      await expect.poll(() => page.getByTestId("attempts").textContent()).toContain("503");
      await shot("11-delivery-failing");

      accept = true;
      await page.getByRole("button", { name: "Replay" }).click();
      await expect.poll(() => page.getByTestId("delivery-status").textContent(), { timeout: 30_000 }).toContain("succeeded");
      await expect.poll(() => page.getByTestId("attempts").textContent()).toContain("204");
      expect(verified).toContain("call.created");
      await shot("12-delivery-replayed");
    } finally {
      receiver.close();
    }
  });

  it("shows the vendor accounts, masked, and their health over the day", async () => {
    ok(await api.PUT("/api/v1/providers/{provider}", { params: { path: { provider: "retell" } }, body: { apiKey: "key_e2e_retell_secret_a1b2", fromNumber: "+14155550100" } }));
    await page.getByRole("link", { name: "Vendors" }).click();
    await expect.poll(() => page.getByTestId("accounts").textContent()).toContain("a1b2");
    expect(await page.getByTestId("accounts").textContent()).not.toContain("key_e2e_retell_secret");
    const simulator = page.getByTestId("health").locator("tr", { hasText: "simulator" });
    await expect.poll(async () => Number(await simulator.locator("td").nth(2).textContent())).toBeGreaterThanOrEqual(7);
    await shot("13-vendors");
  });

  it("ends the session at sign-out: the API behind the console refuses the old cookie", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "sb_console")!;
    await signOut();
    const res = await fetch(`${stack.base}/console/api/v1/patients`, { headers: { Cookie: `sb_console=${cookie.value}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("renders the API reference with nothing loaded from the internet", async () => {
    await page.goto(`${stack.base}/docs`);
    const shown = () => page.evaluate(() => document.body.innerText);
    await expect.poll(shown, { timeout: 30_000 }).toContain("Switchboard API");
    await expect.poll(shown).toContain("Create a patient");
    expect(await shown()).toContain("Vocode-compatible calls");
    await page.screenshot({ path: join(shots, "14-docs.png") });
    expect(offsite).toEqual([]);
  });
});
