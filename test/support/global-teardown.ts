export default async function globalTeardown(): Promise<void> {
  await globalThis.__HOOKTRAIL_PG__?.stop();
}
