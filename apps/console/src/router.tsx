import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/** The console's pages live under /console; the browser's history moves between them without reloads. */
export const BASE = "/console";

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string, options: { replace?: boolean } = {}) {
  const url = to.startsWith(BASE) ? to : `${BASE}${to}`;
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

/** The current path inside the console (`/calls/123`) and its query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: location.pathname.slice(BASE.length) || "/", query: new URLSearchParams(location.search) });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return where;
}

/** `/calls/:id` against `/calls/123` → `{ id: "123" }`; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(have[i]!);
    else if (w !== have[i]) return null;
  }
  return params;
}

export function Link(props: { href: string; children: ComponentChildren; class?: string } & JSX.IntrinsicElements["a"]) {
  const { href, children, ...rest } = props;
  const url = href.startsWith(BASE) ? href : `${BASE}${href}`;
  return (
    <a
      {...rest}
      href={url}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(url);
      }}
    >
      {children}
    </a>
  );
}
