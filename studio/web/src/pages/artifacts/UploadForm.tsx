// Uploading a new version: name, file and the kind's options, a progress bar fed by the bytes
// sent, and the service's refusal next to the field it names (422 loc) or above the form.

import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { authHeaders } from "../../api/client";
import { type Kind, type VersionOut, urls } from "../../api/contract";
import { Field } from "../../components/Field";
import { ProgressBar } from "../../components/ProgressBar";
import { fieldErrors, type FieldErrors } from "../../lib/errors";
import { percent, upload } from "../../lib/upload";

const FRAMEWORKS = ["generic", "pytorch", "tensorflow", "mpi", "xgboost", "paddle", "jax"];
const FIELDS = ["name", "filename", "file", "description", "entry_point", "framework", "requirements", "layer_name"];

export function UploadForm({ kind, project, fixedName }: { kind: Kind; project: string; fixedName?: string }) {
  const [name, setName] = useState(fixedName ?? "");
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState("");
  const [entry, setEntry] = useState("");
  const [framework, setFramework] = useState("generic");
  const [requirements, setRequirements] = useState("");
  const [layerName, setLayerName] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, general: null });
  const [done, setDone] = useState<VersionOut | null>(null);
  const abort = useRef<(() => void) | null>(null);
  const client = useQueryClient();
  const navigate = useNavigate();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!file) {
      setErrors({ fields: { file: "Choose a file to upload." }, general: null });
      return;
    }
    const q = new URLSearchParams({ filename: file.name });
    if (description) q.set("description", description);
    if (kind === "algorithms") {
      if (entry) q.set("entry_point", entry);
      q.set("framework", framework);
      for (const r of requirements.split("\n").map((s) => s.trim()).filter(Boolean)) q.append("requirements", r);
    }
    if (kind === "layers" && layerName) q.set("layer_name", layerName);
    setErrors({ fields: {}, general: null });
    setDone(null);
    setProgress(0);
    const url = `${urls.upload(project, kind, name.trim())}?${q}`;
    const job = upload<VersionOut>(url, file, authHeaders(), (p) => setProgress(percent(p)));
    abort.current = job.abort;
    const out = await job.done;
    abort.current = null;
    setProgress(null);
    if (out.ok) {
      setDone(out.body);
      client.invalidateQueries({ queryKey: [project, kind] });
      if (!fixedName) navigate(`/p/${project}/${kind}/${name.trim()}`);
    } else {
      // no answer (cancelled, dropped): the outcome's own words; an answer: its fields
      setErrors(out.detail == null ? { fields: {}, general: out.message } : fieldErrors(out.status, out.detail, FIELDS));
    }
  }

  const err = (f: string) => errors.fields[f];
  return (
    <form className="upload card" onSubmit={submit} aria-label={`Upload a ${kind.slice(0, -1)} version`}>
      <h2>{fixedName ? "Upload a new version" : `Upload a ${kind.slice(0, -1)}`}</h2>
      {errors.general && <div className="error-box" role="alert">{errors.general}</div>}
      <div className="row">
        {!fixedName && (
          <Field label="Name" error={err("name")} hint="a-z, 0-9 and '-'">
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
        )}
        <Field label="File" error={err("file") ?? err("filename")}>
          {(p) => <input {...p} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <Field label="Description" error={err("description")}>
          {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
      </div>
      {kind === "algorithms" && (
        <div className="row">
          <Field label="Framework" error={err("framework")}>
            {(p) => (
              <select {...p} value={framework} onChange={(e) => setFramework(e.target.value)}>
                {FRAMEWORKS.map((f) => <option key={f}>{f}</option>)}
              </select>
            )}
          </Field>
          <Field label="Entry point" error={err("entry_point")} hint="default: main.py or train.py">
            {(p) => <input {...p} value={entry} onChange={(e) => setEntry(e.target.value)} />}
          </Field>
          <Field label="Requirements" error={err("requirements")} hint="one per line">
            {(p) => <textarea {...p} rows={2} value={requirements} onChange={(e) => setRequirements(e.target.value)} />}
          </Field>
        </div>
      )}
      {kind === "layers" && (
        <Field label="Layer class" error={err("layer_name")} hint="when the file has several">
          {(p) => <input {...p} value={layerName} onChange={(e) => setLayerName(e.target.value)} />}
        </Field>
      )}
      <div className="actions">
        <button type="submit" disabled={progress !== null}>Upload</button>
        {progress !== null && (
          <>
            <ProgressBar value={progress} label="Upload progress" />
            <button type="button" onClick={() => abort.current?.()}>Cancel</button>
          </>
        )}
        {done && <span role="status">Version {done.number} stored ({done.filename}).</span>}
      </div>
    </form>
  );
}
