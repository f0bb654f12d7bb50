// One artifact: its versions, the chosen version's metadata and preview, its validation, and
// the upload of a next version. Versions never change, so what is shown is what a task uses.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
import { type Kind, urls } from "../../api/contract";
import { age, bytes } from "../../components/format";
import { Failure, Loading } from "../../components/States";
import { Preview } from "./Preview";
import { UploadForm } from "./UploadForm";
import { Validation } from "./Validation";

// shown in the preview instead, or nothing to say
const HIDDEN = ["preview", "parameters", "params", "columns", "files"];

function isBlank(v: unknown): boolean {
  return v == null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && Object.keys(v as object).length === 0);
}

export function ArtifactPage({ kind }: { kind: Kind }) {
  const { project = "", name = "" } = useParams();
  const [picked, setPicked] = useState<number | null>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  const one = useQuery({
    queryKey: [project, kind, name],
    queryFn: () => data(api.GET(`/api/v1/projects/{project}/${kind}/{name}`, { params: { path: { project, name } } })),
  });
  const remove = useMutation({
    mutationFn: () => data(api.DELETE(`/api/v1/projects/{project}/${kind}/{name}`, { params: { path: { project, name } } })),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: [project, kind] });
      navigate(`/p/${project}/${kind}`);
    },
  });
  if (one.isPending) return <Loading what={name} />;
  if (one.error) return <Failure error={one.error} what={`${kind.slice(0, -1)} ${name}`} />;
  const a = one.data;
  const v = a.versions.find((x) => x.number === picked) ?? a.versions[a.versions.length - 1];
  return (
    <section aria-labelledby="art-title">
      <p><Link to={`/p/${project}/${kind}`}>← {kind}</Link></p>
      <h1 id="art-title">{a.name}</h1>
      {a.description && <p>{a.description}</p>}
      <div className="split">
        <div>
          <h2>Versions</h2>
          <table className="grid">
            <thead><tr><th scope="col">#</th><th scope="col">File</th><th scope="col">Size</th><th scope="col">Age</th><th scope="col">sha256</th></tr></thead>
            <tbody>
              {[...a.versions].reverse().map((x) => (
                <tr key={x.number} className={x.number === v?.number ? "picked" : ""}>
                  <td><button type="button" className="link" aria-pressed={x.number === v?.number} onClick={() => setPicked(x.number)}>v{x.number}</button></td>
                  <td>{x.filename}</td>
                  <td>{bytes(x.size)}</td>
                  <td>{age(x.created_at)}</td>
                  <td><code title={x.sha256}>{x.sha256.slice(0, 12)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="actions">
            <button type="button" className="danger" onClick={() => window.confirm(`Delete ${a.name} and all its versions?`) && remove.mutate()}>Delete {kind.slice(0, -1)}</button>
          </p>
          {remove.error && <Failure error={remove.error} action="delete it" />}
          <UploadForm kind={kind} project={project} fixedName={a.name} />
        </div>
        {v && (
          <div>
            <h2>Version {v.number}</h2>
            <p className="actions">
              <a href={urls.file(project, kind, a.name, v.number)} download={v.filename}>Download {v.filename}</a>
              {kind === "models" && (
                <Link to={`/p/${project}/models/${a.name}/versions/${v.number}/graph`}>
                  {v.metadata?.format === "onnx" ? "Open in the model viewer" : "Open in the model builder"}
                </Link>
              )}
            </p>
            <dl className="meta">
              <dt>URI</dt><dd><code>{v.uri}</code></dd>
              {Object.entries(v.metadata ?? {})
                .filter(([k, val]) => !HIDDEN.includes(k) && !isBlank(val))
                .map(([k, val]) => (
                  <div key={k}><dt>{k}</dt><dd>{typeof val === "object" ? JSON.stringify(val) : String(val)}</dd></div>
                ))}
            </dl>
            <Preview kind={kind} metadata={v.metadata ?? {}} />
            <Validation kind={kind} project={project} name={a.name} version={v.number} />
          </div>
        )}
      </div>
    </section>
  );
}
