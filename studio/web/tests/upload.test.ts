// Upload progress and outcome: the bar, what a refusal or a dropped connection tells the user,
// and the XMLHttpRequest wiring (driven by a scripted request object).

import { describe, expect, it } from "vitest";
import { outcome, percent, upload, type XhrLike } from "../src/lib/upload";

describe("progress", () => {
  it("reaches 100 only when every byte went out", () => {
    expect(percent({ loaded: 0, total: 1000 })).toBe(0);
    expect(percent({ loaded: 999, total: 1000 })).toBe(99);
    expect(percent({ loaded: 1000, total: 1000 })).toBe(100);
    expect(percent({ loaded: 5, total: 0 })).toBe(0);
  });
});

describe("outcome", () => {
  it("is the stored version on 201", () => {
    expect(outcome(201, '{"number": 3}')).toEqual({ ok: true, status: 201, body: { number: 3 } });
  });
  it("carries a 422's field list and its messages", () => {
    const o = outcome(422, JSON.stringify({ detail: [{ loc: ["query", "filename"], msg: "filename: .exe is not a dataset format", type: "value_error" }] }));
    expect(o).toMatchObject({ ok: false, status: 422, message: "filename: .exe is not a dataset format" });
    expect(!o.ok && Array.isArray(o.detail)).toBe(true);
  });
  it("says what a 413 says", () => {
    expect(outcome(413, '{"detail": "larger than 1 MiB"}')).toMatchObject({ ok: false, message: "larger than 1 MiB" });
  });
  it("tells a dropped connection apart and claims nothing was stored", () => {
    expect(outcome(0, "")).toMatchObject({ ok: false, status: 0, message: expect.stringContaining("nothing was stored") });
  });
  it("copes with a body that is not JSON", () => {
    expect(outcome(502, "Bad Gateway")).toMatchObject({ ok: false, message: "Bad Gateway" });
    expect(outcome(502, "<html><body>proxy error</body></html>")).toMatchObject({ message: "the service answered 502" });
  });
});

class ScriptedXhr implements XhrLike {
  upload: XhrLike["upload"] = { onprogress: null };
  onload: XhrLike["onload"] = null;
  onerror: XhrLike["onerror"] = null;
  onabort: XhrLike["onabort"] = null;
  status = 0;
  responseText = "";
  headers: Record<string, string> = {};
  opened = "";
  sent: Blob | null = null;
  open(m: string, u: string) {
    this.opened = `${m} ${u}`;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: Blob) {
    this.sent = b;
  }
  abort() {
    this.onabort?.();
  }
}

describe("upload", () => {
  it("posts the raw file with its headers, reports progress, resolves on the answer", async () => {
    const x = new ScriptedXhr();
    const seen: number[] = [];
    const file = new Blob(["a,b\n1,2\n"]);
    const job = upload("/api/v1/projects/p/datasets/d/versions?filename=d.csv", file, { Authorization: "Bearer t" }, (p) => seen.push(percent(p)), () => x);
    expect(x.opened).toBe("POST /api/v1/projects/p/datasets/d/versions?filename=d.csv");
    expect(x.headers).toEqual({ Authorization: "Bearer t", "Content-Type": "application/octet-stream" });
    expect(x.sent).toBe(file);
    x.upload.onprogress?.({ loaded: 4, total: 8, lengthComputable: true });
    x.upload.onprogress?.({ loaded: 8, total: 0, lengthComputable: false });
    x.status = 201;
    x.responseText = '{"number": 1}';
    x.onload?.();
    expect(await job.done).toEqual({ ok: true, status: 201, body: { number: 1 } });
    expect(seen).toEqual([50, 100]);
  });

  it("resolves a network error and a cancel as failures", async () => {
    const x = new ScriptedXhr();
    const a = upload("/u", new Blob(["x"]), {}, () => {}, () => x);
    x.onerror?.();
    expect((await a.done).ok).toBe(false);
    const y = new ScriptedXhr();
    const b = upload("/u", new Blob(["x"]), {}, () => {}, () => y);
    b.abort();
    expect(await b.done).toMatchObject({ ok: false, message: "upload cancelled: nothing was stored" });
  });
});
