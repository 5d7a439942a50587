export default async function globalTeardown() {
  await globalThis.stackanetesServices?.stop();
}
