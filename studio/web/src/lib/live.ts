// A run's live messages (the contract's WebSocket `/runs/{run}/live?after=<seq>`) folded into
// the state the run page shows. Messages carry a growing `seq`; a reconnect asks for the ones
// after the last seen, and any message seen before (an overlap of replay and stream) is dropped.

export type LiveMessage =
  | { seq: number; time: string; type: "phase"; phase: string; message?: string }
  | {
      seq: number;
      time: string;
      type: "pod";
      pod: string;
      role: string;
      phase: string;
      exitCode?: number | null;
      restarts?: number;
    }
  | { seq: number; time: string; type: "event"; reason: string; message: string; object?: string }
  | { seq: number; time: string; type: "log"; pod: string; line: string }
  | {
      seq: number;
      time: string;
      type: "metric";
      pod: string;
      step: number;
      values: Record<string, number>;
    };

export interface PodState {
  pod: string;
  role: string;
  phase: string;
  exitCode: number | null;
  restarts: number;
}
export interface MetricPoint {
  step: number;
  value: number;
  pod: string;
}

export interface RunState {
  lastSeq: number;
  phase: string | null;
  message: string;
  pods: Record<string, PodState>;
  events: { time: string; reason: string; message: string; object?: string }[];
  logs: Record<string, string[]>;
  metrics: Record<string, MetricPoint[]>;
}

export const MAX_LOG_LINES = 20000;

/** The phases in which nothing runs any more: finished, or stopped (the service's Stop
 * suspends the job, so a stopped run is "Suspended"). A settled run may be run again. */
export const SETTLED = ["Succeeded", "Failed", "Suspended"];

export function settled(phase: string | null | undefined): boolean {
  return !!phase && SETTLED.includes(phase);
}

export function emptyRun(): RunState {
  return { lastSeq: 0, phase: null, message: "", pods: {}, events: [], logs: {}, metrics: {} };
}

/** The state after one message; a message at or below `lastSeq` was seen and changes nothing. */
export function apply(s: RunState, m: LiveMessage): RunState {
  if (typeof m.seq !== "number" || m.seq <= s.lastSeq) return s;
  const next: RunState = { ...s, lastSeq: m.seq };
  switch (m.type) {
    case "phase":
      next.phase = m.phase;
      next.message = m.message ?? "";
      break;
    case "pod":
      next.pods = {
        ...s.pods,
        [m.pod]: {
          pod: m.pod,
          role: m.role,
          phase: m.phase,
          exitCode: m.exitCode ?? null,
          restarts: m.restarts ?? 0,
        },
      };
      break;
    case "event":
      next.events = [...s.events, { time: m.time, reason: m.reason, message: m.message, object: m.object }];
      break;
    case "log": {
      const lines = [...(s.logs[m.pod] ?? []), m.line];
      next.logs = { ...s.logs, [m.pod]: lines.length > MAX_LOG_LINES ? lines.slice(-MAX_LOG_LINES) : lines };
      break;
    }
    case "metric": {
      const metrics = { ...s.metrics };
      for (const [name, value] of Object.entries(m.values)) {
        if (typeof value !== "number" || !Number.isFinite(value)) continue;
        metrics[name] = [...(metrics[name] ?? []), { step: m.step, value, pod: m.pod }];
      }
      next.metrics = metrics;
      break;
    }
  }
  return next;
}

export function applyAll(s: RunState, ms: LiveMessage[]): RunState {
  return ms.reduce(apply, s);
}

/** uPlot's aligned columns for one metric: steps, then one series per pod (null where absent). */
export function chartColumns(points: MetricPoint[]): { pods: string[]; data: (number | null)[][] } {
  const pods = [...new Set(points.map((p) => p.pod))].sort();
  const steps = [...new Set(points.map((p) => p.step))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const columns = pods.map(() => steps.map(() => null as number | null));
  for (const p of points) columns[pods.indexOf(p.pod)][at.get(p.step)!] = p.value; // last wins
  return { pods, data: [steps, ...columns] };
}

/**
 * The step axis's ticks: whole steps only (a step is a count, 1.5 means nothing), spaced
 * 1, 2, 5, 10, 20, 50, … apart so that at most `most` of them fit between min and max.
 */
export function stepTicks(min: number, max: number, most: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const room = Math.max(1, Math.floor(most));
  let incr = 1;
  for (let mag = 1; Math.floor((max - min) / incr) + 1 > room; mag *= 10) {
    incr = [1, 2, 5].map((m) => m * mag).find((i) => Math.floor((max - min) / i) + 1 <= room) ?? 10 * mag;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(min / incr) * incr; t <= max; t += incr) ticks.push(t);
  return ticks;
}

export interface SocketLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onopen: ((ev: unknown) => void) | null;
  close(): void;
}

export type Connection = "connecting" | "open" | "closed";

/** The browser's word on the network: whether it is up, and its `offline`/`online` events.
 * A socket over a dropped network often reports nothing until TCP gives up (minutes), and
 * stays open when the browser only goes offline, so the feed listens to the browser too. */
export interface Network {
  online(): boolean;
  watch(onOffline: () => void, onOnline: () => void): () => void;
}

export const browserNetwork: Network = {
  online: () => typeof navigator === "undefined" || navigator.onLine !== false,
  watch(onOffline, onOnline) {
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    return () => {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    };
  },
};

const always: Network = { online: () => true, watch: () => () => {} };

/**
 * Keeps a socket to the live route open: on a drop it reconnects after a growing delay with
 * `after` set to the last seq it applied, so replay resumes where the page left off. When the
 * browser goes offline it lets the socket go and waits for the network to come back, then
 * reconnects at once (the same replay).
 */
export class LiveFeed {
  state: RunState = emptyRun();
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private stopped = false;
  private unwatch: (() => void) | null = null;

  constructor(
    private url: (after: number) => string,
    private open: (url: string) => SocketLike,
    private onChange: (s: RunState, c: Connection) => void,
    private delay: (attempt: number) => number = (n) => Math.min(500 * 2 ** n, 10000),
    private schedule: (f: () => void, ms: number) => ReturnType<typeof setTimeout> = setTimeout,
    private network: Network = always,
  ) {}

  start(): void {
    this.stopped = false;
    this.unwatch = this.network.watch(
      () => this.offline(),
      () => this.online(),
    );
    if (this.network.online()) this.connect();
    else this.onChange(this.state, "closed");
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = null;
    this.cancelTimer();
    this.socket?.close();
    this.socket = null;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The network went: the socket is let go now (its close may never come) and no retry is
   * scheduled until it is back. */
  private offline(): void {
    if (this.stopped) return;
    this.cancelTimer();
    const ws = this.socket;
    this.socket = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
      ws.close();
    }
    this.onChange(this.state, "closed");
  }

  private online(): void {
    if (this.stopped || this.socket) return;
    this.cancelTimer();
    this.attempts = 0;
    this.connect();
  }

  private connect(): void {
    this.timer = null;
    this.onChange(this.state, "connecting");
    const ws = this.open(this.url(this.state.lastSeq));
    this.socket = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.onChange(this.state, "open");
    };
    ws.onmessage = (ev) => {
      let m: LiveMessage;
      try {
        m = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const next = apply(this.state, m);
      if (next !== this.state) {
        this.state = next;
        this.onChange(this.state, "open");
      }
    };
    ws.onerror = () => ws.close();
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      this.onChange(this.state, "closed");
      if (this.stopped || !this.network.online()) return; // offline: online() reconnects
      this.timer = this.schedule(() => this.connect(), this.delay(this.attempts++));
    };
  }
}
