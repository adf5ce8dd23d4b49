// fast-png ships its types behind an ESM "exports" map, which this project's `moduleResolution: node`
// does not read; point the bare specifier at the package's own declarations.
declare module 'fast-png' {
  export * from 'fast-png/lib/index';
}
