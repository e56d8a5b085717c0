// The one error for everything wrong with a profile: unreadable gzip, not a
// protobuf, over the size limit, no sample types, dangling references, or two
// profiles that cannot be merged or diffed. `kind` tells the cases apart; the
// message is what users see.
export type ProfileErrorKind = 'gzip' | 'too-large' | 'protobuf' | 'no-sample-types' | 'malformed' | 'incompatible';

export class ProfileError extends Error {
  override readonly name = 'ProfileError';

  constructor(
    readonly kind: ProfileErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
