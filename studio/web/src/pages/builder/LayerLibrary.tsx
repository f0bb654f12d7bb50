// The layers one can add: built-ins and the project's own, searchable, each with its summary.

import { useState } from "react";
import type { LayerSpec } from "../../lib/library";

export function LayerLibrary({ layers, onAdd }: { layers: LayerSpec[]; onAdd: (l: LayerSpec) => void }) {
  const [q, setQ] = useState("");
  const shown = layers.filter((l) => l.name.toLowerCase().includes(q.toLowerCase()));
  return (
    <aside className="library" aria-labelledby="lib-title">
      <h2 id="lib-title">Layers</h2>
      <label className="sr-only" htmlFor="lib-search">Search layers</label>
      <input id="lib-search" type="search" placeholder="Search layers" value={q} onChange={(e) => setQ(e.target.value)} />
      <ul>
        {shown.map((l) => (
          <li key={l.name}>
            <button type="button" onClick={() => onAdd(l)} title={l.description}>
              <span className="sr-only">Add </span>
              {l.name}
              {l.source === "user" && <span className="tag">yours</span>}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
