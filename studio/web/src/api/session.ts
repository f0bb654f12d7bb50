// Who is signed in, for this browser tab: the Kubernetes token (none in local mode) and the
// project picked last. The token stays in sessionStorage, so closing the tab signs out.

const TOKEN = "troupe.token";
const PROJECT = "troupe.project";
type Listener = () => void;
const listeners = new Set<Listener>();

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn(token: string) {
    sessionStorage.setItem(TOKEN, token.trim());
    listeners.forEach((l) => l());
  },
  signOut() {
    sessionStorage.removeItem(TOKEN);
    listeners.forEach((l) => l());
  },
  unauthorized() {
    listeners.forEach((l) => l());
  },
  lastProject: (): string | null => localStorage.getItem(PROJECT),
  rememberProject: (p: string) => localStorage.setItem(PROJECT, p),
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
