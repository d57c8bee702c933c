// Where the demo page finds its model: the URL fragment (never sent to any server).
//   #model=<url of a TF.js layers model.json>[&metadata=<url of metadata.json>]
//   #link=<share-link string>                  (serverless: catalog backbone + head in the link)
// URLs may be relative (resolved against the page) and must be http(s). Values are
// percent-decoded (decodeURIComponent; '+' stays '+').

export type DemoSource =
  | { kind: 'model'; modelUrl: string; metadataUrl: string }
  | { kind: 'link'; link: string };

export type HashParse = { ok: true; source: DemoSource } | { ok: false; reason: string };

const USAGE = 'open this page with #model=<address of model.json> or #link=<share link>';

function fail(reason: string): HashParse {
  return { ok: false, reason };
}

/** Shortens untrusted text for an error message. */
export function clip(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** An http(s) URL resolved against `base`, or the reason it is not acceptable. */
export function resolveHttpUrl(value: string, base: string, what: string): { ok: true; url: string } | { ok: false; reason: string } {
  if (value.trim() === '') return { ok: false, reason: `the ${what} address is empty` };
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return { ok: false, reason: `the ${what} address "${clip(value)}" is not a valid URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `the ${what} address must use http or https, not "${clip(url.protocol, 20)}"` };
  }
  if (url.username || url.password) return { ok: false, reason: `the ${what} address must not contain a user name or password` };
  return { ok: true, url: url.href };
}

/** metadata.json next to model.json (the query string of model.json is not carried over). */
export function defaultMetadataUrl(modelUrl: string): string {
  return new URL('metadata.json', modelUrl).href;
}

/** Parses `location.hash` (with or without the leading '#'); `base` is the page URL for relative addresses. */
export function parseDemoHash(hash: string, base: string): HashParse {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw.trim() === '') return fail(`this page was opened without a model: ${USAGE}`);
  const params = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      return fail(`the address is damaged (bad %-encoding in "${clip(key, 40)}")`);
    }
    if (params.has(key)) return fail(`the address names "${clip(key, 40)}" more than once`);
    params.set(key, value);
  }
  const model = params.get('model');
  const link = params.get('link');
  if (model !== undefined && link !== undefined) return fail('the address has both #model= and #link=; use one');
  if (link !== undefined) {
    if (link === '') return fail('the share link is empty (was it cut off when copying?)');
    if (params.has('metadata')) return fail('#metadata= only goes with #model=, not with #link=');
    return { ok: true, source: { kind: 'link', link } };
  }
  if (model !== undefined) {
    const m = resolveHttpUrl(model, base, 'model');
    if (!m.ok) return m;
    const meta = params.get('metadata');
    if (meta === undefined) return { ok: true, source: { kind: 'model', modelUrl: m.url, metadataUrl: defaultMetadataUrl(m.url) } };
    const md = resolveHttpUrl(meta, base, 'metadata');
    if (!md.ok) return md;
    return { ok: true, source: { kind: 'model', modelUrl: m.url, metadataUrl: md.url } };
  }
  const keys = [...params.keys()].map((k) => `"${clip(k, 30)}"`).slice(0, 3).join(', ');
  return fail(`the address does not name a model (found ${keys || 'nothing usable'}): ${USAGE}`);
}

/** Encodes a value for the fragment: like encodeURIComponent but keeps '/' and ':' readable. */
function encodeValue(v: string): string {
  return encodeURIComponent(v).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/** The fragment (with '#') that opens `source` on the demo page; for other parts of the app to build links. */
export function buildDemoHash(source: { model: string; metadata?: string } | { link: string }): string {
  if ('link' in source) return `#link=${encodeValue(source.link)}`;
  const meta = source.metadata !== undefined ? `&metadata=${encodeValue(source.metadata)}` : '';
  return `#model=${encodeValue(source.model)}${meta}`;
}
