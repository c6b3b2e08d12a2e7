// synaptic 1.1.4 ships no types; bench/peers/synaptic.ts describes the parts it uses.
declare module 'synaptic' {
  const synaptic: unknown;
  export default synaptic;
}
