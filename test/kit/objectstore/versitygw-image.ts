// versitygw as a container image, for tests that run the object store inside
// the real node (test/kit/cluster/node.ts) rather than on 127.0.0.1: the
// static binary of build-versitygw.ts in a FROM-scratch image, run as 65532,
// tagged by the binary's hash (localhost/podprof-versitygw:v1.8.0-<sha256/12>)
// so it is built once and again only when the binary changes. Not part of
// `npm run images`: only the tests that need it build it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { buildScratchImage, imageExists } from '../images/images.ts';
import { buildVersitygw, VERSITYGW_VERSION } from './build-versitygw.ts';

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The image's tag, building it first if podman does not have it. */
export async function versitygwImage(): Promise<string> {
  const bin = await buildVersitygw();
  const tag = `localhost/podprof-versitygw:${VERSITYGW_VERSION}-${(await sha256(bin)).slice(0, 12)}`;
  if (!(await imageExists(tag)))
    await buildScratchImage(bin, 'versitygw', tag, `versitygw ${VERSITYGW_VERSION} (Apache-2.0): an S3-compatible server, posix backend.`);
  return tag;
}
