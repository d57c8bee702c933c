// Routes live in the URL hash (#/, #/p/<id>, #/p/<id>/train, /runs, /evaluate) so a reload lands
// where the user was and the static server needs no rewrites.
import { useEffect, useState } from 'react';

export type ProjectTab = 'dataset' | 'train' | 'runs' | 'evaluate' | 'use';
export type Route = { name: 'home' } | { name: 'project'; id: string; tab: ProjectTab };

export function parseRoute(hash: string): Route {
  const m = /^#\/p\/([^/?#]+)(?:\/(train|runs|evaluate|use))?/.exec(hash);
  return m ? { name: 'project', id: decodeURIComponent(m[1]), tab: (m[2] as ProjectTab | undefined) ?? 'dataset' } : { name: 'home' };
}

export function projectHref(id: string, tab: ProjectTab = 'dataset'): string {
  return `#/p/${encodeURIComponent(id)}${tab === 'dataset' ? '' : `/${tab}`}`;
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
