// `npm run images [-- --only sidecar,gateway]`: builds podprof's images with podman
// (test/kit/images/images.ts says which and how) and prints their sizes.
import { buildImages, IMAGES, imageSizes, type ImageName } from '../test/kit/images/images.ts';

const i = process.argv.indexOf('--only');
const only = i > 0 ? (process.argv[i + 1] ?? '').split(',').filter((n): n is ImageName => n in IMAGES) : undefined;
await buildImages(only);
for (const [tag, bytes] of Object.entries(await imageSizes())) console.log(`${tag}\t${(bytes / 2 ** 20).toFixed(0)} MiB`);
