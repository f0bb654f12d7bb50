// One kind's artifacts in a project: name, versions, latest size and age, and the upload form.

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
import type { Kind } from "../../api/contract";
import { age, bytes } from "../../components/format";
import { Empty, Failure, Loading } from "../../components/States";
import { UploadForm } from "./UploadForm";

const HINT: Record<Kind, string> = {
  datasets: "CSV, TSV, JSON Lines, JSON, Parquet, NumPy, archives of files or images.",
  algorithms: "Training code: a .py file, or a .zip / .tar.gz package with main.py or train.py.",
  layers: "A Python file declaring TROUPE_LAYER and a torch.nn.Module subclass.",
  models: "A troupe.graph/v1 JSON (or build one in the Model builder), or an ONNX file.",
};

export function ArtifactList({ kind }: { kind: Kind }) {
  const { project = "" } = useParams();
  const list = useQuery({
    queryKey: [project, kind],
    queryFn: () => data(api.GET(`/api/v1/projects/{project}/${kind}`, { params: { path: { project } } })),
  });
  return (
    <section aria-labelledby="kind-title">
      <h1 id="kind-title">{kind[0].toUpperCase() + kind.slice(1)}</h1>
      <p className="muted">{HINT[kind]}</p>
      <UploadForm kind={kind} project={project} />
      {list.isPending ? (
        <Loading what={kind} />
      ) : list.error ? (
        <Failure error={list.error} what={kind} />
      ) : list.data.length === 0 ? (
        <Empty>No {kind} in {project} yet: upload the first one above.</Empty>
      ) : (
        <table className="grid">
          <caption className="sr-only">{kind} in {project}</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Versions</th><th scope="col">Latest file</th><th scope="col">Size</th><th scope="col">Age</th><th scope="col">Description</th></tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <tr key={a.name}>
                <td><Link to={`/p/${project}/${kind}/${a.name}`}>{a.name}</Link></td>
                <td>{a.version_count}</td>
                <td>{a.latest?.filename}</td>
                <td>{a.latest ? bytes(a.latest.size) : ""}</td>
                <td>{age(a.latest?.created_at ?? a.created_at)}</td>
                <td>{a.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
