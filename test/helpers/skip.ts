/**
 * Skipping a test whose program is missing, said once for every helper. A skip names what is missing;
 * CI sets `SESSIOND_TEST_NO_SKIP=1` (after installing everything), and then nothing skips: a missing
 * program fails its tests instead of hiding them.
 */

/** `reason` when the test may skip here, otherwise undefined (the test runs, and fails if it cannot). */
export function skipReason(works: boolean, reason: string): string | undefined {
  if (works || process.env.SESSIOND_TEST_NO_SKIP === "1") return undefined;
  return reason;
}
