"""What each kind accepts and what its versions' metadata says, from the uploaded file.

Runs on the spooled upload (a local file) before anything is stored, so a file that breaks a
kind's rules is refused (422, naming the field) with nothing written. Dataset inspection
proper belongs to `domain.datasets` (pure); `dataset_details` is the hook that calls it.
"""

from __future__ import annotations

import ast
import csv
import importlib
import json
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from .names import Invalid

FRAMEWORKS = ("generic", "pytorch", "tensorflow", "mpi", "xgboost", "paddle", "jax")
DATASET_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".npy": "npy",
    ".npz": "npz",
    ".txt": "text",
    ".zip": "zip",
    ".tar.gz": "tar.gz",
    ".tgz": "tar.gz",
    ".tar": "tar",
}
EXTENSIONS = {
    "datasets": tuple(DATASET_FORMATS),
    "algorithms": (".py", ".zip", ".tar.gz", ".tgz"),
    "layers": (".py",),
    "models": (".json", ".onnx"),
}
PREVIEW_ROWS = 5
JSON_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "str": "string"}
GRAPH_FORMAT = "troupe.graph/v1"


def extension(filename: str, kind: str) -> str:
    for ext in sorted(EXTENSIONS[kind], key=len, reverse=True):
        if filename.lower().endswith(ext):
            return ext
    raise Invalid(
        "filename", f"filename: a {kind[:-1]} must end in one of {', '.join(EXTENSIONS[kind])}"
    )


def members(path: Path, ext: str) -> list[str]:
    """File names inside an archive, refused if any could escape the directory it unpacks in."""
    try:
        if ext == ".zip":
            with zipfile.ZipFile(path) as z:
                names = [i.filename for i in z.infolist() if not i.is_dir()]
        else:
            with tarfile.open(path) as t:
                bad = [m.name for m in t.getmembers() if not (m.isfile() or m.isdir())]
                if bad:
                    raise Invalid("file", f"file: archive member {bad[0]!r} is a link or device")
                names = [m.name for m in t.getmembers() if m.isfile()]
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise Invalid("file", f"file: not a readable {ext} archive ({exc})", "body") from exc
    for name in names:
        p = PurePosixPath(name)
        if p.is_absolute() or ".." in p.parts or "\\" in name:
            raise Invalid("file", f"file: archive member {name!r} escapes its directory", "body")
    return names


def domain(module: str):
    """A module of the pure domain layer once it has landed (written beside this service)."""
    try:
        return importlib.import_module(f"troupe_studio.domain.{module}")
    except ImportError:
        return None


def dataset_details(path: Path, filename: str) -> dict:
    """Format, rows/columns or file count, preview: domain.datasets's inspection when it is
    there (a bounded prefix, rows counted over the whole file), else what is cheap here."""
    ext = extension(filename, "datasets")
    if (inspection := domain("datasets")) is not None:
        with open(path, "rb") as f:
            prefix = f.read(inspection.PREFIX_BYTES)
        info = inspection.inspect_dataset(prefix, path.stat().st_size, filename)
        if info.counter_needed:
            counter = inspection.RowCounter(info.format)
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    counter.feed(chunk)
            info.rows = counter.rows
        return info.to_json()
    meta: dict = {"format": DATASET_FORMATS[ext]}
    if ext in (".zip", ".tar.gz", ".tgz", ".tar"):
        meta["file_count"] = len(members(path, ext))
    elif ext in (".csv", ".tsv"):
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.reader(f, delimiter="\t" if ext == ".tsv" else ",")
            header = next(reader, [])
            preview, rows = [], 0
            for row in reader:
                if rows < PREVIEW_ROWS:
                    preview.append(row)
                rows += 1
        meta.update(columns=[{"name": h} for h in header], rows=rows, preview=preview)
    elif ext == ".jsonl":
        with open(path, encoding="utf-8", errors="replace") as f:
            meta["rows"] = sum(1 for line in f if line.strip())
    return meta


def python_source(path: Path, field: str = "file") -> ast.Module:
    try:
        return ast.parse(path.read_bytes(), filename=path.name)
    except (SyntaxError, ValueError) as exc:
        raise Invalid(field, f"{field}: not valid Python ({exc})", "body") from exc


def algorithm_details(
    path: Path, filename: str, entry_point: str | None, framework: str, requirements: list[str]
) -> dict:
    """Entry point (a file in the package), framework and requirements of training code."""
    if framework not in FRAMEWORKS:
        raise Invalid("framework", f"framework: one of {', '.join(FRAMEWORKS)}")
    ext = extension(filename, "algorithms")
    if ext == ".py":
        python_source(path)
        if entry_point not in (None, filename):
            raise Invalid("entry_point", f"entry_point: a single file's entry point is {filename}")
        files, entry = [filename], filename
    else:
        files = members(path, ext)
        entry = entry_point or next((n for n in ("main.py", "train.py") if n in files), None)
        if entry is None:
            raise Invalid(
                "entry_point", "entry_point: name the package's script (no main.py or train.py)"
            )
        if entry not in files:
            raise Invalid("entry_point", f"entry_point: {entry!r} is not a file in the package")
        if not requirements and "requirements.txt" in files:
            requirements = read_requirements(path, ext)
    for req in requirements:
        if not req or len(req) > 200 or req.startswith("-") or not req.isprintable():
            raise Invalid("requirements", f"requirements: {req[:80]!r} is not a requirement")
    return {
        "entry_point": entry,
        "framework": framework,
        "requirements": requirements,
        "files": len(files),
    }


def read_requirements(path: Path, ext: str) -> list[str]:
    if ext == ".zip":
        with zipfile.ZipFile(path) as z:
            text = z.read("requirements.txt").decode(errors="replace")
    else:
        with tarfile.open(path) as t:
            text = t.extractfile("requirements.txt").read().decode(errors="replace")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line][:200]


def layer_details(path: Path, filename: str, layer_name: str | None) -> dict:
    """The layer's name and parameter schema, read, not run: domain.user_layers's rules (a
    TROUPE_LAYER dict) when they are there, else the class's constructor arguments."""
    extension(filename, "layers")
    if (rules := domain("user_layers")) is not None:
        source = path.read_bytes().decode("utf-8", errors="replace")
        layer, issues = rules.parse_layer_file(source, filename)
        if issues:
            raise Invalid("file", "file: " + "; ".join(str(i) for i in issues[:5]), "body")
        if layer_name not in (None, layer.name):
            raise Invalid("layer_name", f"layer_name: the file declares {layer.name!r}")
        found = layer.to_json()
        return {**found, "layer_name": layer.name, "parameters": layer.schema()}
    tree = python_source(path)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    if not classes:
        raise Invalid("file", "file: a layer file defines a class", "body")
    if layer_name is None:
        if len(classes) > 1:
            raise Invalid("layer_name", f"layer_name: name one of {', '.join(sorted(classes))}")
        layer_name = next(iter(classes))
    if layer_name not in classes:
        have = ", ".join(sorted(classes))
        raise Invalid("layer_name", f"layer_name: no class {layer_name!r} in the file (has {have})")
    return {"layer_name": layer_name, "parameters": parameters(classes[layer_name])}


def parameters(cls: ast.ClassDef) -> dict:
    """A JSON schema of the constructor's arguments (the shape domain.layers gives, too)."""
    init = next(
        (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    props: dict = {}
    required = []
    if init is not None:
        args = init.args.args[1:] + init.args.kwonlyargs
        defaults = [None] * (len(init.args.args) - 1 - len(init.args.defaults))
        defaults += init.args.defaults + init.args.kw_defaults
        for arg, default in zip(args, defaults, strict=True):
            prop: dict = {}
            if arg.annotation is not None:
                prop["type"] = JSON_TYPES.get(ast.unparse(arg.annotation), "string")
            if default is None:
                required.append(arg.arg)
            else:
                try:
                    prop["default"] = ast.literal_eval(default)
                except ValueError:
                    prop["default"] = ast.unparse(default)
            props[arg.arg] = prop
    return {"type": "object", "properties": props, "required": required}


def user_layer(meta: dict):
    """The domain's LayerType back from a layer version's metadata (what layer_details kept)."""
    layers = domain("layers")
    schema = meta["parameters"]
    required = set(schema.get("required", []))
    params = {n: {**p, **({"required": True} if n in required else {})} for n, p in
              schema.get("properties", {}).items()}  # fmt: skip
    inputs = meta.get("inputs", {})
    return layers.LayerType(
        meta["layer_name"], params, inputs.get("min", 1), inputs.get("max", 1),
        description=meta.get("description", ""), source="user",
    )  # fmt: skip


def check_graph(doc: dict, user_layers: list[dict]) -> dict:
    """domain.graph's checks against the built-in layers and the users' (latest versions)."""
    graph_rules, layers = domain("graph"), domain("layers")
    catalog = dict(layers.BUILTIN)
    for meta in user_layers:
        if "inputs" in meta:  # written by domain.user_layers, so it can be rebuilt
            catalog.setdefault(meta["layer_name"], user_layer(meta))
    graph, issues = graph_rules.validate_graph(doc, catalog)
    if issues:
        raise Invalid("file", "file: " + "; ".join(str(i) for i in issues[:5]), "body")
    used = sorted({n.layer for n in graph.nodes})
    return {
        "format": GRAPH_FORMAT,
        "name": graph.name,
        "nodes": len(graph.nodes),
        "inputs": [i.name for i in graph.inputs],
        "outputs": list(graph.outputs),
        "layers": used,
        "user_layers": [n for n in used if n not in layers.BUILTIN],
    }


def model_details(path: Path, filename: str, user_layers: list[dict] = ()) -> dict:
    """A model-structure JSON (troupe.graph/v1) or an ONNX file, checked and summarised."""
    ext = extension(filename, "models")
    if ext == ".json":
        try:
            doc = json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError) as exc:
            raise Invalid("file", f"file: not JSON ({exc})", "body") from exc
        if not isinstance(doc, dict) or doc.get("format") != GRAPH_FORMAT:
            raise Invalid("file", f'file: a model graph has "format": "{GRAPH_FORMAT}"', "body")
        if domain("graph") is not None:
            return check_graph(doc, list(user_layers))
        nodes = doc.get("nodes", [])
        return {"format": GRAPH_FORMAT, "nodes": len(nodes) if isinstance(nodes, list) else 0}
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises several unrelated types for a bad file
        raise Invalid("file", f"file: not a valid ONNX model ({str(exc)[:200]})", "body") from exc
    return {
        "format": "onnx",
        "ir_version": model.ir_version,
        "opset": [{"domain": o.domain, "version": o.version} for o in model.opset_import],
        "producer": model.producer_name,
        "inputs": [i.name for i in model.graph.input],
        "outputs": [o.name for o in model.graph.output],
    }
