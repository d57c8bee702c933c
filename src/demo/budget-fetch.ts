// A fetch for untrusted model URLs: every response body counts against one byte budget and the
// number of requests is capped, so a hostile model.json (or a server that never stops sending)
// fails with a reason instead of filling memory. Network failures get a readable message.
import type { FetchFn } from '../core/backbones/load';
import { clip } from './hash';
import { errorText } from '../core/error-text';

export interface BudgetOptions {
  /** Total bytes all responses together may deliver. */
  maxBytes: number;
  /** Most requests allowed (model.json, metadata.json and weight shards). */
  maxRequests: number;
}

const MB = 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MB) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / MB).toFixed(1)} MB`;
}

export function budgetFetch({ maxBytes, maxRequests }: BudgetOptions, base: FetchFn = (u, i) => fetch(u, i)): FetchFn {
  let used = 0;
  let requests = 0;
  const over = () => new Error(`the download is larger than the ${formatBytes(maxBytes)} this page accepts`);
  return async (url, init) => {
    requests += 1;
    if (requests > maxRequests) throw new Error(`the model needs more than ${maxRequests} downloads (too many weight files)`);
    let res: Response;
    try {
      res = await base(url, { ...init, credentials: 'same-origin', redirect: 'follow' });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new Error(`could not reach ${clip(url)} (network error, or that server does not allow cross-origin requests)`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes - used) throw over();
    if (!res.body) return res;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          used += chunk.byteLength;
          if (used > maxBytes) throw over();
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** GETs a small JSON file through `fetchFn` and parses it; errors name `what`. */
export async function fetchJson(fetchFn: FetchFn, url: string, what: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetchFn(url, signal ? { signal } : undefined);
  if (!res.ok) throw new Error(`${what} could not be downloaded from ${clip(url)} (HTTP ${res.status})`);
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new Error(`${what}: ${errorText(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}
