// A pod's log as it streams: follow (keep the end in view), search (only matching lines), and
// the whole log as a download from the service (what the page holds may be trimmed).

import { useEffect, useRef, useState } from "react";
import { urls } from "../../api/contract";

export function filterLines(lines: string[], q: string): string[] {
  if (!q) return lines;
  const needle = q.toLowerCase();
  return lines.filter((l) => l.toLowerCase().includes(needle));
}

export function LogViewer({ project, run, logs }: { project: string; run: string; logs: Record<string, string[]> }) {
  const pods = Object.keys(logs).sort();
  const [pod, setPod] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const [q, setQ] = useState("");
  const end = useRef<HTMLPreElement>(null);
  const current = pod ?? pods[0] ?? null;
  const lines = filterLines(current ? logs[current] ?? [] : [], q);
  useEffect(() => {
    if (follow && end.current) end.current.scrollTop = end.current.scrollHeight;
  }, [lines.length, follow]);
  if (!pods.length) return <p className="muted">No log lines yet.</p>;
  return (
    <div className="logs">
      <div className="row">
        <label>Pod <select value={current ?? ""} onChange={(e) => setPod(e.target.value)}>{pods.map((p) => <option key={p}>{p}</option>)}</select></label>
        <label>Search <input type="search" value={q} onChange={(e) => setQ(e.target.value)} /></label>
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
        {current && <a href={urls.log(project, run, current)} download={`${current}.log`}>Download log</a>}
        <span className="muted">{lines.length} lines</span>
      </div>
      <pre className="log" ref={end} tabIndex={0} aria-label={`Log of ${current}`}>{lines.join("\n")}</pre>
    </div>
  );
}
