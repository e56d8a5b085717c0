// The Go pprof test app; the builder lives with the demo, which runs it too.
export * from '../../demo/go-target.ts';
