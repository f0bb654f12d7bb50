// The committed API types are what openapi-typescript makes of the committed schema (which a
// pytest checks against the service's code): stale types fail here, before a page misbehaves.

import { readFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";
import { expect, it } from "vitest";

it("schema.d.ts is generated from openapi.json", async () => {
  const schema = JSON.parse(readFileSync(new URL("../openapi.json", import.meta.url), "utf8"));
  const generated = astToString(await openapiTS(schema));
  const committed = readFileSync(new URL("../src/api/schema.d.ts", import.meta.url), "utf8");
  const body = (s: string) => s.slice(s.indexOf("export"));
  expect(body(committed)).toBe(body(generated));
}, 30000);
