import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const here = join(import.meta.dirname, "..");

describe("the README's SDK example", () => {
  it("is examples/reminders.ts, word for word (the worker's test/sdk.test.ts runs that file)", () => {
    const readme = readFileSync(join(here, "..", "..", "README.md"), "utf8");
    const example = readFileSync(join(here, "examples", "reminders.ts"), "utf8").trimEnd();
    expect(readme).toContain("```ts\n" + example + "\n```");
  });
});
