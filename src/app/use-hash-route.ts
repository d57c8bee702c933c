// Routes live in the URL hash (#/ and #/p/<id>) so a reload lands where the user was and
// the static server needs no rewrites.
import { useEffect, useState } from 'react';

export type Route = { name: 'home' } | { name: 'project'; id: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/p\/([^/?#]+)/.exec(hash);
  return m ? { name: 'project', id: decodeURIComponent(m[1]) } : { name: 'home' };
}

export function projectHref(id: string): string {
  return `#/p/${encodeURIComponent(id)}`;
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
