// One metric (loss, accuracy, …) over steps, a line per pod, redrawn as points arrive (uPlot).

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { chartColumns, type MetricPoint, stepTicks } from "../../lib/live";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

export function MetricChart({ name, points }: { name: string; points: MetricPoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { pods, data } = chartColumns(points);
  const key = pods.join(",");
  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      width: Math.max(300, box.current.clientWidth),
      height: 220,
      scales: { x: { time: false } },
      // whole steps only, one tick per 60 px at most
      axes: [{ label: "step", splits: (u, _axis, min, max) => stepTicks(min, max, u.width / 60) }, {}],
      series: [{ label: "step" }, ...pods.map((p, i) => ({ label: p, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, box.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // a new pod means new series: the plot is rebuilt; new points only update the data
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);
  const last = points[points.length - 1];
  return (
    <figure className="chart card" data-metric={name} data-points={points.length}>
      <figcaption>
        <strong>{name}</strong> {last && <span className="muted">step {last.step}: {last.value.toPrecision(4)}</span>}
      </figcaption>
      <div ref={box} role="img" aria-label={`${name} by step, ${points.length} points`} />
    </figure>
  );
}
