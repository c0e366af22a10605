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
    // The dry run first: three lines free, no rule in the way (the simulator may call at any hour locally).
    await page.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => page.getByTestId("preview-start-now").textContent()).toBe("3 start now");
    expect(await page.getByTestId("preview-refused").textContent()).toBe("0 refused");
    expect(await page.getByTestId("preview-deferred").textContent()).toBe("0 wait for the contact policy");
    expect(await page.getByTestId("preview-finish").textContent()).toMatch(/\(in \d+ (s|min)\)$/);
    await shot("04-new-campaign");
    // A changed form hides the preview: it no longer says what Start would do.
    await page.getByTestId("patient-picker").getByText("Ada Okafor").click();
    await expect.poll(() => page.getByTestId("preview").count()).toBe(0);
    await page.getByTestId("patient-picker").getByText("Ada Okafor").click();
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

  it("pauses and resumes a campaign: waiting calls are not dialed while it is paused", async () => {
    const admin = createSwitchboardClient({ baseUrl: stack.base, adminToken: stack.adminToken });
    const tenant = ok(await admin.GET("/admin/tenants", { params: { query: { size: 100 } } })).data.find((t) => t.name === "Lakeside Family Clinic")!;
    // One line, so two of the three calls wait for it.
    ok(await admin.PATCH("/admin/tenants/{tenantId}", { params: { path: { tenantId: tenant.id } }, body: { concurrencyLimit: 1 } }));
    try {
      const agent = ok(await api.POST("/api/v1/agents", { body: { name: "Follow-up (6 s)", provider: "simulator", simulator: { outcome: "human", durationMs: 6000 } } }));
      const patients = [];
      for (const [firstName, lastName, phoneNumber] of [
        ["Noor", "Haddad", "+15555550111"],
        ["Lena", "Fischer", "+15555550112"],
        ["Tomás", "Rivera", "+15555550113"],
      ]) {
        patients.push(ok(await api.POST("/api/v1/patients", { body: { firstName: firstName!, lastName: lastName!, phoneNumber, timezone: "America/New_York" } })));
      }
      const batch = ok(await api.POST("/api/v1/calls", { body: { name: "Friday follow-ups", agentId: agent.id, patients: patients.map((p) => ({ patientId: p.patient_id })) } }));
      expect(batch).toMatchObject({ totalInitiated: 1, totalQueued: 2 });
      const progress = async () => ok(await api.GET("/api/v1/calls/campaigns/{batchId}", { params: { path: { batchId: batch.batchId } } })).campaign;
      const live = (p: Awaited<ReturnType<typeof progress>>["progress"]) =>
        (["initiating", "dialing", "in-progress", "summarizing"] as const).reduce((sum, status) => sum + (p.byStatus[status] ?? 0), 0);

      await page.goto(`${stack.base}/console/campaigns/${batch.batchId}`);
      await expect.poll(() => page.getByTestId("campaign-status").textContent()).toContain("Running");
      await page.getByRole("button", { name: "Pause" }).click();
      await expect.poll(() => page.getByTestId("campaign-status").textContent()).toContain("Paused");
      await expect.poll(() => page.getByTestId("paused-banner").textContent()).toContain("none of its 2 waiting calls is dialed");
      expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(0);
      expect((await progress()).paused).toBe(true);

      // The call on the line finishes; the line it frees is not given to the paused campaign's calls.
      await expect.poll(() => page.getByTestId("progress-count").textContent(), { timeout: 30_000 }).toBe("1 of 3 ended");
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const held = await progress();
      expect(held.progress.ended).toBe(1);
      expect(live(held.progress)).toBe(0);
      expect(held.progress.byStatus.queued).toBe(2);
      expect(await page.getByTestId("progress-count").textContent()).toBe("1 of 3 ended");
      await shot("10a-campaign-paused");
      // The list says so too, and expects no finish while paused.
      await page.getByRole("link", { name: "Campaigns" }).click();
      const row = page.getByTestId("campaigns").locator("tr", { hasText: "Friday follow-ups" });
      await expect.poll(() => row.getByTestId("campaign-badges").textContent()).toBe("released paused");
      expect(await row.textContent()).toContain("— (paused)");
      await shot("10b-campaigns-one-paused");
      await row.getByRole("link", { name: "Friday follow-ups" }).click();

      await page.getByRole("button", { name: "Resume" }).click();
      await expect.poll(() => page.getByTestId("paused-banner").count()).toBe(0);
      await expect.poll(() => page.getByTestId("campaign-status").textContent()).toContain("Running");
      expect((await progress()).paused).toBe(false);
      await expect.poll(() => page.getByTestId("campaign-status").textContent(), { timeout: 60_000 }).toContain("Finished");
      expect(await page.getByTestId("progress-count").textContent()).toBe("3 of 3 ended");
      expect((await progress()).progress.byStatus.completed).toBe(3);
      await shot("10c-campaign-resumed");
    } finally {
      ok(await admin.PATCH("/admin/tenants/{tenantId}", { params: { path: { tenantId: tenant.id } }, body: { concurrencyLimit: tenant.concurrencyLimit } }));
    }
  });

  it("previews refusals, then shows the policy's reason on the campaign, the call, its timeline and the patient", async () => {
    const grace = ok(await api.POST("/api/v1/patients", { body: { firstName: "Grace", lastName: "Hopper", phoneNumber: "+15555550121", timezone: "America/Chicago" } }));
    const alan = ok(await api.POST("/api/v1/patients", { body: { firstName: "Alan", lastName: "Turing", phoneNumber: "+15555550122", timezone: "America/Chicago" } }));
    // As the clinic's systems record them: Grace's consent on the intake form and her number on the
    // do-not-call list (the list wins); Alan asked on the phone not to be called again.
    ok(
      await api.POST("/api/v1/patients/{patientId}/consent", {
        params: { path: { patientId: grace.patient_id } },
        body: { basis: "prior_express_consent", source: "intake_form", evidence: "form-8812", scope: ["calls", "texts"] },
      }),
    );
    ok(await api.POST("/api/v1/do-not-call", { body: { numbers: [{ phoneNumber: "(555) 555-0121", note: "asked at the desk" }] } }));
    ok(await api.POST("/api/v1/patients/{patientId}/consent/revoke", { params: { path: { patientId: alan.patient_id } }, body: { source: "spoken" } }));

    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Name").fill("Lab results ready");
    await page.getByLabel("Agent").selectOption({ label: "Reminder (answers) (simulator)" });
    await page.getByLabel("Purpose").selectOption("lab_results");
    for (const name of ["Grace Hopper", "Alan Turing", "Ada Okafor"]) await page.getByTestId("patient-picker").getByText(name).click();
    await page.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => page.getByTestId("preview-refused").textContent()).toBe("2 refused");
    expect(await page.getByTestId("preview-start-now").textContent()).toBe("1 start now");
    expect(await page.getByTestId("preview-refused-reasons").textContent()).toMatch(/on the do-not-call list 1.*opted out 1|opted out 1.*on the do-not-call list 1/);
    const held = await page.getByTestId("preview-held").locator("tbody tr").allTextContents();
    expect(held.sort()).toEqual([expect.stringMatching(/^Alan Turing.*refused.*opted out.*never$/), expect.stringMatching(/^Grace Hopper.*refused.*on the do-not-call list.*never$/)]);
    await shot("11-new-campaign-preview");
    // Nothing was placed by the preview.
    expect(ok(await api.GET("/api/v1/calls", { params: { query: { patient_id: grace.patient_id } } })).data).toEqual([]);

    await page.getByRole("button", { name: "Call 3 patients" }).click();
    await expect.poll(() => page.getByTestId("campaign-status").textContent(), { timeout: 60_000 }).toContain("Finished");
    const refused = await page.getByTestId("refused").locator("li").allTextContents();
    expect(refused.map((t) => t.trim()).sort()).toEqual(["on the do-not-call list 1", "opted out 1"]);
    await shot("12-campaign-refusals");

    await page.getByTestId("calls").locator("tr", { hasText: "Grace Hopper" }).getByRole("link").first().click();
    await expect.poll(() => page.getByTestId("policy-decision").textContent()).toBe("refused on the do-not-call list");
    await expect.poll(() => page.getByTestId("call-status").textContent()).toContain("refused");
    const refusal = page.getByTestId("timeline").locator("tr", { hasText: "Contact policy: refused" });
    await expect.poll(() => refusal.count()).toBe(1);
    expect(await refusal.locator("td").nth(5).textContent()).toBe("on the do-not-call list");
    await shot("13-call-refused");

    await page.getByRole("link", { name: "Grace Hopper" }).click();
    await expect.poll(() => page.getByTestId("consent").textContent()).toBe("on the do-not-call list");
    await expect.poll(() => page.getByTestId("contacts").locator("tbody tr").allTextContents()).toEqual([expect.stringMatching(/call.*canceled.*refused.*lab results.*refused on the do-not-call list.*no$/)]);
    expect(await page.getByTestId("consent-ledger").textContent()).toContain("prior express consent");
    expect(await page.getByTestId("counters").textContent()).toContain("Exempt contacts, last 24 h0 of 1");
    await shot("14-patient-refused");
  });

  it("shows a call the policy defers, with why and until when, and cancels its campaign", async () => {
    // The simulator may call at any hour on the local stack, a real vendor never: a Retell agent (its
    // fake account is never reached) and a patient where it is the middle of the night now.
    const zone = ["Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"].find((timeZone) => {
      const hour = Number(new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", hourCycle: "h23" }).format(new Date()));
      return hour >= 0 && hour <= 5;
    })!;
    ok(await api.PUT("/api/v1/providers/{provider}", { params: { path: { provider: "retell" } }, body: { apiKey: "key_e2e_retell_secret_a1b2", fromNumber: "+14155550100" } }));
    const agent = ok(await api.POST("/api/v1/agents", { body: { name: "Night check (Retell)", providers: [{ provider: "retell", agent: "agent_e2e_night" }] } }));
    const patient = ok(await api.POST("/api/v1/patients", { body: { firstName: "Kenji", lastName: "Sato", phoneNumber: "+15555550131", timezone: zone } }));
    const batch = ok(await api.POST("/api/v1/calls", { body: { name: "Overnight check", agentId: agent.id, patients: [{ patientId: patient.patient_id }] } }));
    expect(batch).toMatchObject({ totalDeferred: 1, totalInitiated: 0 });

    await page.goto(`${stack.base}/console/campaigns/${batch.batchId}`);
    await expect.poll(() => page.getByTestId("deferred").textContent()).toMatch(/^(outside calling hours|state's quiet hours) 1$/);
    await page.getByTestId("calls").locator("tr", { hasText: "Kenji Sato" }).getByRole("link").first().click();
    await expect.poll(() => page.getByTestId("policy-decision").textContent()).toMatch(/^deferred (outside calling hours|state's quiet hours) until .+ \(in \d+(\.\d)? h\)/);
    const deferral = page.getByTestId("timeline").locator("tr", { hasText: "Contact policy: deferred" });
    await expect.poll(() => deferral.count()).toBe(1);
    expect(await deferral.locator("td").nth(6).textContent()).toMatch(/^until /);
    await shot("15-call-deferred");

    await page.getByRole("link", { name: batch.batchId.slice(0, 8) }).click();
    await page.getByRole("button", { name: "Cancel campaign" }).click();
    await expect.poll(() => page.getByTestId("campaign-status").textContent()).toContain("Canceled");
    expect(ok(await api.GET("/api/v1/calls/{callId}", { params: { path: { callId: batch.calls[0]!.callId } } }))).toMatchObject({ status: "canceled", started_at: null });
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
    await shot("16-patient");
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
      const agent = ok(await api.GET("/api/v1/agents", { params: { query: { size: 50 } } })).data.find((a) => a.name === "Reminder (answers)")!;
      const patient = ok(await api.GET("/api/v1/patients", { params: { query: { q: "James" } } })).data[0]!;
      ok(await api.POST("/api/v1/calls", { body: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } }));

      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("link", { name: `http://127.0.0.1:${port}/hooks` }).click();
      const firstRow = page.getByTestId("deliveries").locator("tbody tr").first();
      await expect.poll(async () => Number(await firstRow.locator("td").nth(3).textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
      await firstRow.getByRole("link").click();
      await expect.poll(() => page.getByTestId("attempts").textContent()).toContain("503");
      await shot("17-delivery-failing");

      accept = true;
      await page.getByRole("button", { name: "Replay" }).click();
      await expect.poll(() => page.getByTestId("delivery-status").textContent(), { timeout: 30_000 }).toContain("succeeded");
      await expect.poll(() => page.getByTestId("attempts").textContent()).toContain("204");
      expect(verified).toContain("call.created");
      await shot("18-delivery-replayed");
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
    await shot("19-vendors");
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
    await page.screenshot({ path: join(shots, "20-docs.png") });
    expect(offsite).toEqual([]);
  });
});
