// What --store names: a local directory, or an S3-compatible bucket.
//
//   --store /var/lib/podprof
//   --store 's3://BUCKET/PREFIX?endpoint=https://minio.example:9000&region=eu-west-1&forcePathStyle=true&caFile=/etc/podprof/s3-ca.pem'
//
// Every query parameter is optional: endpoint (default: AWS S3 of the region),
// region (default: the SDK's, from AWS_REGION or the profile, else us-east-1),
// forcePathStyle (true|false, default false: most S3-compatible servers want true),
// caFile (a PEM bundle the endpoint's certificate must chain to). PREFIX may be
// empty; its segments are store-key segments ([A-Za-z0-9._-]). Credentials
// never go in the URL: they come from the AWS SDK's default chain (environment,
// a shared credentials file, web identity / IRSA), so --store can be logged.

export type StoreLocation =
  | { readonly kind: 'dir'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** '' or segments ending without '/'. */
      readonly prefix: string;
      readonly endpoint?: string;
      readonly region?: string;
      readonly forcePathStyle: boolean;
      readonly caFile?: string;
    };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'caFile']);

const caFileOf = (q: URLSearchParams): { caFile?: string } => (q.get('caFile') ? { caFile: q.get('caFile')! } : {});

/** The URL's query, checked: only the four parameters, each well formed. */
function s3Params(q: URLSearchParams): Pick<Extract<StoreLocation, { kind: 's3' }>, 'endpoint' | 'region' | 'forcePathStyle' | 'caFile'> {
  for (const k of q.keys()) if (!PARAMS.has(k)) throw new Error(`unknown parameter ${k} (want ${[...PARAMS].join(', ')})`);
  const endpoint = q.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#@]+\/?$/.test(endpoint))
    throw new Error('endpoint: want http(s)://host[:port], without a path or credentials');
  const style = q.get('forcePathStyle') ?? 'false';
  if (style !== 'true' && style !== 'false') throw new Error('forcePathStyle: want true or false');
  const region = q.get('region') ?? undefined;
  if (region !== undefined && !/^[a-z0-9-]{1,40}$/.test(region)) throw new Error('region: want a name like eu-west-1');
  return {
    forcePathStyle: style === 'true',
    ...(endpoint === undefined ? {} : { endpoint: endpoint.replace(/\/$/, '') }),
    ...(region === undefined ? {} : { region }),
    ...caFileOf(q),
  };
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error('not a URL: want s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true');
  }
}

/** Parses a --store value; throws an Error saying what is wrong (the config names the flag). */
export function parseStoreLocation(raw: string): StoreLocation {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    if (raw.trim() === '') throw new Error('want a directory or s3://bucket/prefix');
    return { kind: 'dir', dir: raw };
  }
  // URL() would quietly resolve a/../b to b: refuse dot segments before it does.
  if (/\/\.{1,2}(\/|\?|$)/.test(raw.split('?')[0]!.slice('s3://'.length)))
    throw new Error('the prefix may hold only segments of [A-Za-z0-9._-], none of them . or ..');
  const url = parseUrl(raw);
  if (url.protocol !== 's3:') throw new Error(`want a directory or an s3:// URL, not ${url.protocol}//`);
  if (url.username !== '' || url.password !== '')
    throw new Error("credentials do not go in the URL: they come from the AWS SDK's default chain (environment, credentials file, IRSA)");
  if (!BUCKET.test(url.hostname)) throw new Error('want a bucket name of 3 to 63 characters [a-z0-9.-]');
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !prefix.split('/').every((p) => /^[A-Za-z0-9._-]+$/.test(p) && p !== '.' && p !== '..'))
    throw new Error('the prefix may hold only segments of [A-Za-z0-9._-], none of them . or ..');
  return { kind: 's3', bucket: url.hostname, prefix, ...s3Params(url.searchParams) };
}
