import { expect, it } from "vitest";
import * as schemas from "../../src";
import * as policy from "../../src/policy";

it("the package entry exports the whole policy API", () => {
  for (const name of Object.keys(policy)) expect(schemas, name).toHaveProperty(name, policy[name as keyof typeof policy]);
});
