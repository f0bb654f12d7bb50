export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div className="progress">
      <progress max={100} value={value} aria-label={label} />
      <span aria-hidden="true">{value}%</span>
    </div>
  );
}
