// The run's live socket as React state: one LiveFeed per open run page, closed on leaving.

import { useEffect, useState } from "react";
import { urls } from "../../api/contract";
import { session } from "../../api/session";
import { browserNetwork, type Connection, emptyRun, LiveFeed, type RunState, type SocketLike } from "../../lib/live";

export function useLive(project: string, run: string): { state: RunState; connection: Connection } {
  const [view, setView] = useState<{ state: RunState; connection: Connection }>({ state: emptyRun(), connection: "connecting" });
  useEffect(() => {
    const token = session.token();
    // a browser cannot set headers on a WebSocket: the token goes as ?access_token=
    const withToken = (url: string) => (token ? `${url}&access_token=${encodeURIComponent(token)}` : url);
    const open = (url: string) => new WebSocket(withToken(url)) as unknown as SocketLike;
    const feed = new LiveFeed((after) => urls.live(project, run, after), open, (state, connection) => setView({ state, connection }), undefined, undefined, browserNetwork);
    feed.start();
    return () => feed.stop();
  }, [project, run]);
  return view;
}
