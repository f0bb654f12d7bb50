// The run page's live state on a message sequence written to the contract (two pods, five
// steps): replay, a dropped socket, a reconnect from the last seq and an overlapping replay.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apply, applyAll, chartColumns, emptyRun, LiveFeed, type LiveMessage, type Network, settled, type SocketLike, stepTicks } from "../src/lib/live";

const recorded: LiveMessage[] = readFileSync(new URL("./fixtures/live-mnist.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

class FakeSocket implements SocketLike {
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  onopen: SocketLike["onopen"] = null;
  closed = false;
  constructor(public url: string) {}
  send(ms: LiveMessage[]) {
    for (const m of ms) this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop() {
    this.closed = true;
    this.onclose?.({});
  }
  close() {
    if (!this.closed) this.drop();
  }
}

class FakeNetwork implements Network {
  up = true;
  handlers: { offline: () => void; online: () => void } | null = null;
  online() {
    return this.up;
  }
  watch(onOffline: () => void, onOnline: () => void) {
    this.handlers = { offline: onOffline, online: onOnline };
    return () => {
      this.handlers = null;
    };
  }
  go(up: boolean) {
    this.up = up;
    this.handlers?.[up ? "online" : "offline"]();
  }
}

function harness(network?: Network) {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const seen: string[] = [];
  const feed = new LiveFeed(
    (after) => `ws://x/live?after=${after}`,
    (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    (_s, c) => seen.push(c),
    () => 0,
    (f) => {
      timers.push(f);
      return 0 as unknown as ReturnType<typeof setTimeout>;
    },
    network,
  );
  return { feed, sockets, timers, seen };
}

describe("run state from live messages", () => {
  it("folds the whole sequence into phase, pods, logs and metrics", () => {
    const s = applyAll(emptyRun(), recorded);
    expect(s.phase).toBe("Succeeded");
    expect(s.lastSeq).toBe(recorded.length);
    expect(Object.values(s.pods).map((p) => [p.pod, p.phase, p.exitCode])).toEqual([
      ["mnist-r1-master-0", "Succeeded", 0],
      ["mnist-r1-worker-0", "Succeeded", 0],
    ]);
    expect(s.logs["mnist-r1-worker-0"]).toHaveLength(5);
    expect(s.metrics.loss).toHaveLength(10);
    expect(s.metrics.accuracy.map((p) => p.step)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(s.events[0].reason).toBe("Scheduled");
  });

  it("drops a message it has seen, so a replay that overlaps adds nothing", () => {
    const once = applyAll(emptyRun(), recorded);
    const twice = applyAll(once, recorded.slice(10));
    expect(twice).toBe(once);
  });

  it("ignores metric values that are not finite numbers", () => {
    const s = apply(emptyRun(), { seq: 1, time: "", type: "metric", pod: "p", step: 1, values: { loss: Number.NaN, acc: 0.5 } });
    expect(Object.keys(s.metrics)).toEqual(["acc"]);
  });
});

describe("chart columns", () => {
  it("aligns pods on the union of steps, null where a pod has no point", () => {
    const { pods, data } = chartColumns([
      { step: 2, value: 1.0, pod: "b" },
      { step: 1, value: 2.0, pod: "a" },
      { step: 3, value: 0.5, pod: "a" },
    ]);
    expect(pods).toEqual(["a", "b"]);
    expect(data).toEqual([
      [1, 2, 3],
      [2.0, null, 0.5],
      [null, 1.0, null],
    ]);
  });

  it("charts the recorded loss with one series per pod", () => {
    const s = applyAll(emptyRun(), recorded);
    const { pods, data } = chartColumns(s.metrics.loss);
    expect(pods).toHaveLength(2);
    expect(data[0]).toEqual([1, 2, 3, 4, 5]);
    expect(data[1][0]).toBeCloseTo(2.3);
    expect(data[2][4]).toBeCloseTo(0.47);
  });
});

describe("the live feed", () => {
  it("reconnects after a drop asking for what came after the last seq, and loses nothing", () => {
    const { feed, sockets, timers } = harness();
    feed.start();
    expect(sockets[0].url).toBe("ws://x/live?after=0");
    sockets[0].onopen?.({});
    sockets[0].send(recorded.slice(0, 12));
    sockets[0].drop();
    expect(timers).toHaveLength(1);
    timers[0]();
    expect(sockets[1].url).toBe("ws://x/live?after=12");
    // the server replays from 10 (an overlap) and then streams the rest
    sockets[1].send(recorded.slice(9));
    expect(feed.state).toEqual(applyAll(emptyRun(), recorded));
    feed.stop();
  });

  it("stops reconnecting once stopped, and skips lines that are not JSON", () => {
    const { feed, sockets, timers, seen } = harness();
    feed.start();
    sockets[0].onmessage?.({ data: "not json" });
    expect(feed.state.lastSeq).toBe(0);
    feed.stop();
    expect(timers).toHaveLength(0);
    expect(seen.at(-1)).toBe("closed");
  });
});

describe("the live feed and the browser's network", () => {
  it("lets the socket go when the browser goes offline, and replays from the last seq once it is back", () => {
    const net = new FakeNetwork();
    const { feed, sockets, timers, seen } = harness(net);
    feed.start();
    sockets[0].onopen?.({});
    sockets[0].send(recorded.slice(0, 12));
    net.go(false);
    expect(sockets[0].closed).toBe(true);
    expect(seen.at(-1)).toBe("closed");
    sockets[0].send(recorded.slice(12, 14)); // a late message on the socket let go: not applied
    expect(feed.state.lastSeq).toBe(12);
    expect(timers).toHaveLength(0); // no retries while offline
    net.go(true);
    expect(sockets).toHaveLength(2);
    expect(sockets[1].url).toBe("ws://x/live?after=12");
    sockets[1].onopen?.({});
    sockets[1].send(recorded.slice(12));
    expect(feed.state).toEqual(applyAll(emptyRun(), recorded));
    expect(seen.at(-1)).toBe("open");
  });

  it("waits for the network when a socket drops while offline, and starts offline without one", () => {
    const net = new FakeNetwork();
    net.up = false;
    const { feed, sockets, timers } = harness(net);
    feed.start();
    expect(sockets).toHaveLength(0);
    net.go(true);
    expect(sockets).toHaveLength(1);
    net.up = false; // the socket drops before the browser's event
    sockets[0].drop();
    expect(timers).toHaveLength(0);
    net.go(true);
    expect(sockets).toHaveLength(2);
    feed.stop();
    expect(net.handlers).toBe(null);
    net.go(true);
    expect(sockets).toHaveLength(2);
  });
});

describe("the step axis", () => {
  it("ticks whole steps only, however few the steps", () => {
    expect(stepTicks(1, 2, 10)).toEqual([1, 2]);
    expect(stepTicks(0.8, 2.2, 10)).toEqual([1, 2]); // uPlot pads a short range
    expect(stepTicks(3, 3, 10)).toEqual([3]);
    expect(stepTicks(1, 8, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it("spaces ticks 1, 2, 5, 10, … apart to fit the room", () => {
    expect(stepTicks(1, 8, 5)).toEqual([2, 4, 6, 8]);
    expect(stepTicks(0, 1000, 6)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(stepTicks(0, 1000, 3)).toEqual([0, 500, 1000]);
    expect(stepTicks(7, 123456, 4)).toEqual([50000, 100000]);
    for (const t of stepTicks(0.3, 97.6, 12)) expect(Number.isInteger(t)).toBe(true);
  });
  it("has nothing to tick on an empty or inverted range", () => {
    expect(stepTicks(Number.NaN, 3, 10)).toEqual([]);
    expect(stepTicks(5, 1, 10)).toEqual([]);
    expect(stepTicks(1, 2, 0)).toEqual([2]); // room for one: still a tick
  });
});

describe("settled", () => {
  it("is a finished run or a stopped one (the service suspends its job), not a live one", () => {
    expect(["Succeeded", "Failed", "Suspended"].map(settled)).toEqual([true, true, true]);
    expect(["Pending", "Created", "Running", "Restarting", "", null, undefined].map(settled)).toEqual([false, false, false, false, false, false, false]);
  });
});
