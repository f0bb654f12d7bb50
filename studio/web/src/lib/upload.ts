// Uploading a version's file with a progress bar: XMLHttpRequest reports the bytes sent, which
// fetch cannot. The outcome is honest: a refusal carries the service's detail, a dropped
// connection says so, and nothing claims success before the service answered 201.

export interface UploadProgress {
  loaded: number;
  total: number;
}

export type UploadOutcome<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; detail: unknown; message: string };

/** A percentage for the bar, 0..100, that only reaches 100 once every byte went out. */
export function percent(p: UploadProgress): number {
  if (p.total <= 0) return 0;
  const v = Math.floor((p.loaded / p.total) * 100);
  return Math.max(0, Math.min(100, p.loaded >= p.total ? 100 : Math.min(v, 99)));
}

/** The outcome of a finished request: its status and body text, as the service sent them. */
export function outcome<T>(status: number, text: string): UploadOutcome<T> {
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (status >= 200 && status < 300) return { ok: true, status, body: body as T };
  if (status === 0) {
    return { ok: false, status, detail: null, message: "the connection dropped: nothing was stored, upload again" };
  }
  const detail = body && typeof body === "object" && "detail" in body ? (body as { detail: unknown }).detail : body;
  const message =
    typeof detail === "string" && detail.length <= 300 && !detail.trimStart().startsWith("<")
      ? detail
      : Array.isArray(detail) && detail.length && typeof detail[0]?.msg === "string"
        ? detail.map((d: { msg: string }) => d.msg).join("; ")
        : `the service answered ${status}`;
  return { ok: false, status, detail, message };
}

export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  upload: { onprogress: ((ev: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  status: number;
  responseText: string;
}

/** Sends `file` as the raw body of a POST and resolves with the outcome; `abort` cancels it. */
export function upload<T>(
  url: string,
  file: Blob,
  headers: Record<string, string>,
  onProgress: (p: UploadProgress) => void,
  makeXhr: () => XhrLike = () => new XMLHttpRequest() as unknown as XhrLike,
): { done: Promise<UploadOutcome<T>>; abort: () => void } {
  const xhr = makeXhr();
  const done = new Promise<UploadOutcome<T>>((resolve) => {
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (ev) => onProgress({ loaded: ev.loaded, total: ev.lengthComputable ? ev.total : file.size });
    xhr.onload = () => resolve(outcome<T>(xhr.status, xhr.responseText));
    xhr.onerror = () => resolve(outcome<T>(0, ""));
    xhr.onabort = () =>
      resolve({ ok: false, status: 0, detail: null, message: "upload cancelled: nothing was stored" });
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
