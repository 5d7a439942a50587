import { startServices } from './services.mjs';

/** Starts the shared real servers once per jest run; workers read their addresses from the env. */
export default async function globalSetup() {
  const services = await startServices();
  globalThis.stackanetesServices = services;
  process.env.STACKANETES_TEST_POSTGRES_URL = services.postgresUrl;
  process.env.STACKANETES_TEST_OCI_URL = services.ociUrl;
}
